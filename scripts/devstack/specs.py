"""What a planned stack is made of: its processes, one-shot commands, endpoints and stages; data only."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scripts.devstack.postgres import PostgresSetup
from scripts.devstack.probes import Probe

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
class OneShot:
    """A command run to completion before the first stage (a migration); the stack fails if it fails."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path = REPO_ROOT


@dataclass(frozen=True)
class Endpoints:
    """Where the running stack can be reached, and where it keeps its files."""

    edge_url: str
    # Per service, a gRPC target reaching every replica (host:port for one, ipv4:a,b for several).
    grpc: Mapping[str, str]
    nats_url: str
    data_dir: Path
    log_dir: Path
    # Per service, host:port of each replica (for tools that dial one address, such as grpcurl).
    replicas: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Per service, its database URL (with the password: the tools joining the stack need it).
    databases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StackPlan:
    """Stages start in order; every process of a stage is ready before the next stage starts."""

    endpoints: Endpoints
    stages: tuple[tuple[ProcessSpec, ...], ...]
    # The environment the processes share, e.g. for running `python -m edge_gateway.devtoken` alike.
    base_env: Mapping[str, str] = field(default_factory=dict)
    # Run after the databases exist and before the first stage, all at once.
    prepare: tuple[OneShot, ...] = ()
    # The PostgreSQL databases to create before anything starts and to drop after everything stopped.
    postgres: PostgresSetup | None = None

    def with_stage(self, *extra: ProcessSpec) -> StackPlan:
        """The same plan with one more stage after the others (e.g. a benchmark's baseline processes)."""
        return dataclasses.replace(self, stages=(*self.stages, extra))
