"""Turn the service list, ports and a data directory into the processes to start, stage by stage; no I/O.

Two databases: SQLite files under the data directory (`make run`), or PostgreSQL, where every service
gets a database and role of its own and its schema is migrated by a one-shot before any replica starts
(as a deployment's migration job does). Replicas of a gRPC service share its database and NATS; its
callers get one `ipv4:` target listing them all and balance over it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from chassis.grpc_target import ipv4_target
from scripts.devstack.ports import PortAllocator
from scripts.devstack.postgres import DEFAULT_SERVER_URL, SERVER_URL_ENV, plan_databases
from scripts.devstack.probes import GrpcHealthProbe, HttpProbe, NatsProbe
from scripts.devstack.services import EDGE, GRPC_SERVICES, EdgeService, GrpcService
from scripts.devstack.specs import REPO_ROOT, Endpoints, OneShot, ProcessSpec, StackPlan

__all__ = [
    "DATABASES",
    "REPO_ROOT",
    "Database",
    "Endpoints",
    "OneShot",
    "PlanError",
    "ProcessSpec",
    "StackPlan",
    "plan_stack",
    "replica_name",
    "venv_tool",
]

HOST = "127.0.0.1"

Database = Literal["sqlite", "postgres"]
DATABASES: tuple[Database, ...] = ("sqlite", "postgres")


class PlanError(Exception):
    """The options ask for a stack that cannot work as asked; the message says why and what to use."""


def venv_tool(name: str) -> str:
    """A tool installed next to this interpreter (the venv's bin/), e.g. nats-server or grpcurl."""
    return str(Path(sys.executable).parent / name)


def _with_default(env: dict[str, str], key: str, value: str) -> None:
    # The developer's own setting wins for cosmetic knobs such as the log format.
    env.setdefault(key, value)


@dataclass(frozen=True)
class _Wiring:
    """What every process of one stack shares: addresses of the gRPC services, NATS, files, environment."""

    # Per service: the target its callers use, and the host:port of each replica.
    targets: Mapping[str, str]
    replicas: Mapping[str, tuple[str, ...]]
    nats_url: str
    data_dir: Path
    base_env: Mapping[str, str]
    database_urls: Mapping[str, str]
    # False when one-shots migrate the databases before the services start.
    migrate_at_start: bool


def replica_name(service: str, index: int, count: int) -> str:
    """`inventory` when it runs alone, `inventory-1`, `inventory-2`... when it has replicas."""
    return service if count == 1 else f"{service}-{index}"


def _grpc_replicas(service: GrpcService, wiring: _Wiring) -> list[ProcessSpec]:
    prefix = service.env_prefix
    env = dict(wiring.base_env)
    env[f"{prefix}DATABASE_URL"] = wiring.database_urls[service.name]
    env[f"{prefix}NATS_URL"] = wiring.nats_url
    if not wiring.migrate_at_start:
        env[f"{prefix}MIGRATE"] = "false"
    for upstream in service.upstreams:
        env[service.upstream_env(upstream)] = wiring.targets[upstream]
    # Plain text lines read better than JSON in a terminal where every line already carries a prefix.
    _with_default(env, f"{prefix}LOG_FORMAT", "text")
    addresses = wiring.replicas[service.name]
    specs = []
    for index, address in enumerate(addresses, start=1):
        host, port = address.rsplit(":", 1)
        specs.append(
            ProcessSpec(
                name=replica_name(service.name, index, len(addresses)),
                argv=(sys.executable, "-m", service.name),
                env={**env, f"{prefix}GRPC_HOST": host, f"{prefix}GRPC_PORT": port},
                probe=GrpcHealthProbe(address=address, service=service.health_service),
            )
        )
    return specs


def _migration(service: GrpcService, wiring: _Wiring) -> OneShot:
    """The service's one-shot schema upgrade, as a deployment runs it before starting any replica."""
    env = dict(wiring.base_env)
    env[f"{service.env_prefix}DATABASE_URL"] = wiring.database_urls[service.name]
    _with_default(env, f"{service.env_prefix}LOG_FORMAT", "text")
    return OneShot(
        name=f"{service.name}-migrate", argv=(sys.executable, "-m", f"{service.name}.migrations"), env=env
    )


def _edge(edge: EdgeService, port: int, services: Sequence[GrpcService], wiring: _Wiring) -> ProcessSpec:
    env = dict(wiring.base_env)
    env["EDGE_HOST"] = HOST
    env[edge.port_env] = str(port)
    for service in services:
        env[edge.backend_env(service)] = wiring.targets[service.name]
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


def _check_options(database: str, replicas: int) -> None:
    if database not in DATABASES:
        raise PlanError(f"--database must be one of {', '.join(DATABASES)}, not {database!r}")
    if replicas < 1:
        raise PlanError(f"--replicas must be at least 1, not {replicas}")
    if database == "sqlite" and replicas > 1:
        # Several processes can open one SQLite file, but they would take turns at its single write
        # lock, and the outbox relay claims rows with row locks only on PostgreSQL (on SQLite it expects
        # one relay per file): replicas there add contention and duplicate publishes, not capacity.
        raise PlanError(
            f"--replicas {replicas} needs --database postgres: SQLite has one writer per file and the "
            "outbox relay runs one per file there, so replicas of a service cannot share a SQLite database"
        )


def _replica_addresses(
    services: Sequence[GrpcService], replicas: int, ports: PortAllocator
) -> dict[str, tuple[str, ...]]:
    """The first replica on the configured (or default) port, further ones on free ports."""
    found: dict[str, tuple[str, ...]] = {}
    for service in services:
        first = ports.allocate(service.port_env, service.default_port)
        more = [ports.allocate_free(f"{service.name} replica {i}") for i in range(2, replicas + 1)]
        found[service.name] = tuple(f"{HOST}:{port}" for port in (first, *more))
    return found


def plan_stack(
    data_dir: Path,
    *,
    auto_ports: bool,
    environ: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    services: Sequence[GrpcService] = GRPC_SERVICES,
    database: Database = "sqlite",
    replicas: int = 1,
    postgres_url: str | None = None,
    keep_databases: bool = False,
) -> StackPlan:
    """NATS first, then every gRPC service (each `replicas` times) and the edge together.

    The edge waits for the services in /readyz. With `database="postgres"` the plan also names the
    databases to create on `postgres_url` (default: $MERCADO_POSTGRES_URL, else a local server) and the
    one-shot migrations to run before the first stage; the services then start with <SVC>_MIGRATE=false.
    Raises PlanError for options that cannot work, PortError for ports, PostgresError for the server URL.
    """
    _check_options(database, replicas)
    environ = os.environ if environ is None else environ
    ports = PortAllocator(environ, host=HOST, auto=auto_ports)
    # Published ports first, so a taken default is reported before anything is started; NATS always
    # gets a free port because a developer's machine may run its own NATS on 4222.
    replica_addresses = _replica_addresses(services, replicas, ports)
    edge_port = ports.allocate(EDGE.port_env, EDGE.default_port)
    nats_port = ports.allocate_free("NATS")
    resolved_dir = data_dir.resolve()
    postgres = None
    if database == "postgres":
        server_url = postgres_url or environ.get(SERVER_URL_ENV) or DEFAULT_SERVER_URL
        postgres = plan_databases(server_url, [s.name for s in services], keep=keep_databases)
        database_urls = {db.service: db.url for db in postgres.databases}
    else:
        database_urls = {s.name: f"sqlite+aiosqlite:///{resolved_dir / f'{s.name}.db'}" for s in services}
    wiring = _Wiring(
        targets={name: ipv4_target(addresses) for name, addresses in replica_addresses.items()},
        replicas=replica_addresses,
        nats_url=f"nats://{HOST}:{nats_port}",
        data_dir=resolved_dir,
        # Children write through a pipe; unbuffered, their lines arrive as they are written.
        base_env={**environ, **(extra_env or {}), "PYTHONUNBUFFERED": "1"},
        database_urls=database_urls,
        migrate_at_start=postgres is None,
    )
    endpoints = Endpoints(
        edge_url=f"http://{HOST}:{edge_port}",
        grpc=wiring.targets,
        nats_url=wiring.nats_url,
        data_dir=wiring.data_dir,
        log_dir=wiring.data_dir / "logs",
        replicas=replica_addresses,
        databases=database_urls,
    )
    ordered = _callees_first(services)
    return StackPlan(
        endpoints=endpoints,
        stages=(
            (_nats(nats_port, wiring.data_dir / "nats", wiring.base_env),),
            (
                *(spec for s in ordered for spec in _grpc_replicas(s, wiring)),
                _edge(EDGE, edge_port, services, wiring),
            ),
        ),
        base_env=wiring.base_env,
        prepare=() if postgres is None else tuple(_migration(s, wiring) for s in ordered),
        postgres=postgres,
    )
