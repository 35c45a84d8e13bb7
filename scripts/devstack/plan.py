"""Turn the service list, ports and a data directory into the processes to start, stage by stage; no I/O."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scripts.devstack.ports import PortAllocator
from scripts.devstack.probes import GrpcHealthProbe, HttpProbe, NatsProbe, Probe
from scripts.devstack.services import EDGE, GRPC_SERVICES, EdgeService, GrpcService

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ProcessSpec:
    """One child process: what to run, with which environment, and how to tell it is ready."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    probe: Probe
    cwd: Path = REPO_ROOT


@dataclass(frozen=True)
class Endpoints:
    """Where the running stack can be reached, and where it keeps its files."""

    edge_url: str
    grpc: Mapping[str, str]
    nats_url: str
    data_dir: Path
    log_dir: Path


@dataclass(frozen=True)
class StackPlan:
    """Stages start in order; every process of a stage is ready before the next stage starts."""

    endpoints: Endpoints
    stages: tuple[tuple[ProcessSpec, ...], ...]
    # The environment the processes share, e.g. for running `python -m edge_gateway.devtoken` alike.
    base_env: Mapping[str, str] = field(default_factory=dict)

    def with_stage(self, *extra: ProcessSpec) -> StackPlan:
        """The same plan with one more stage after the others (e.g. a benchmark's baseline processes)."""
        return StackPlan(endpoints=self.endpoints, stages=(*self.stages, extra), base_env=self.base_env)


def venv_tool(name: str) -> str:
    """A tool installed next to this interpreter (the venv's bin/), e.g. nats-server or grpcurl."""
    return str(Path(sys.executable).parent / name)


def _with_default(env: dict[str, str], key: str, value: str) -> None:
    # The developer's own setting wins for cosmetic knobs such as the log format.
    env.setdefault(key, value)


@dataclass(frozen=True)
class _Wiring:
    """What every process of one stack shares: addresses of the gRPC services, NATS, files, environment."""

    addresses: Mapping[str, str]
    nats_url: str
    data_dir: Path
    base_env: Mapping[str, str]


def _grpc_service(service: GrpcService, wiring: _Wiring) -> ProcessSpec:
    prefix = service.env_prefix
    address = wiring.addresses[service.name]
    env = dict(wiring.base_env)
    env[f"{prefix}DATABASE_URL"] = f"sqlite+aiosqlite:///{wiring.data_dir / f'{service.name}.db'}"
    env[f"{prefix}NATS_URL"] = wiring.nats_url
    env[f"{prefix}GRPC_HOST"], env[f"{prefix}GRPC_PORT"] = address.rsplit(":", 1)
    for upstream in service.upstreams:
        env[service.upstream_env(upstream)] = wiring.addresses[upstream]
    # Plain text lines read better than JSON in a terminal where every line already carries a prefix.
    _with_default(env, f"{prefix}LOG_FORMAT", "text")
    return ProcessSpec(
        name=service.name,
        argv=(sys.executable, "-m", service.name),
        env=env,
        probe=GrpcHealthProbe(address=address, service=service.health_service),
    )


def _edge(edge: EdgeService, port: int, services: Sequence[GrpcService], wiring: _Wiring) -> ProcessSpec:
    env = dict(wiring.base_env)
    env["EDGE_HOST"] = HOST
    env[edge.port_env] = str(port)
    for service in services:
        env[edge.backend_env(service)] = wiring.addresses[service.name]
    # Seeing each request scroll by is how a newcomer learns what their curl did.
    _with_default(env, "EDGE_ACCESS_LOG", "true")
    _with_default(env, "EDGE_LOG_FORMAT", "text")
    return ProcessSpec(
        name=edge.name,
        argv=(sys.executable, "-m", edge.module),
        env=env,
        probe=HttpProbe(url=f"http://{HOST}:{port}{edge.ready_path}"),
    )


def _nats(port: int, store: Path, base: Mapping[str, str]) -> ProcessSpec:
    argv = (venv_tool("nats-server"), "-js", "-a", HOST, "-p", str(port), "-sd", str(store))
    return ProcessSpec(name="nats", argv=argv, env=dict(base), probe=NatsProbe(host=HOST, port=port))


def _callees_first(services: Sequence[GrpcService]) -> list[GrpcService]:
    """Each service after those it calls: stopping runs in reverse, so callers stop before callees."""
    by_name = {service.name: service for service in services}
    ordered: list[GrpcService] = []

    def visit(service: GrpcService) -> None:
        for upstream in service.upstreams:
            visit(by_name[upstream])
        if service not in ordered:
            ordered.append(service)

    for service in services:
        visit(service)
    return ordered


def plan_stack(
    data_dir: Path,
    *,
    auto_ports: bool,
    environ: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    services: Sequence[GrpcService] = GRPC_SERVICES,
) -> StackPlan:
    """NATS first, then every gRPC service and the edge together (the edge waits for them in /readyz)."""
    environ = os.environ if environ is None else environ
    ports = PortAllocator(environ, host=HOST, auto=auto_ports)
    # Published ports first, so a taken default is reported before anything is started; NATS always
    # gets a free port because a developer's machine may run its own NATS on 4222.
    addresses = {s.name: f"{HOST}:{ports.allocate(s.port_env, s.default_port)}" for s in services}
    edge_port = ports.allocate(EDGE.port_env, EDGE.default_port)
    nats_port = ports.allocate_free("NATS")
    wiring = _Wiring(
        addresses=addresses,
        nats_url=f"nats://{HOST}:{nats_port}",
        data_dir=data_dir.resolve(),
        # Children write through a pipe; unbuffered, their lines arrive as they are written.
        base_env={**environ, **(extra_env or {}), "PYTHONUNBUFFERED": "1"},
    )
    endpoints = Endpoints(
        edge_url=f"http://{HOST}:{edge_port}",
        grpc=addresses,
        nats_url=wiring.nats_url,
        data_dir=wiring.data_dir,
        log_dir=wiring.data_dir / "logs",
    )
    return StackPlan(
        endpoints=endpoints,
        stages=(
            (_nats(nats_port, wiring.data_dir / "nats", wiring.base_env),),
            (
                *(_grpc_service(s, wiring) for s in _callees_first(services)),
                _edge(EDGE, edge_port, services, wiring),
            ),
        ),
        base_env=wiring.base_env,
    )
