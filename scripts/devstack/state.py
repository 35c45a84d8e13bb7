"""The running stack's address book, <data-dir>/devstack.json, for tools and tests that join it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts.devstack.plan import Endpoints
from scripts.devstack.process import ManagedProcess

STATE_FILE = "devstack.json"


@dataclass(frozen=True)
class StackState:
    edge_url: str
    # Per service, a gRPC target reaching every replica.
    grpc: dict[str, str]
    nats_url: str
    pids: dict[str, int]
    # Per service, host:port of each replica, and its database URL.
    replicas: dict[str, list[str]]
    databases: dict[str, str]


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def write_state(endpoints: Endpoints, processes: Sequence[ManagedProcess]) -> Path:
    """Written once the stack is ready and seeded, so its presence means "ready"."""
    path = state_path(endpoints.data_dir)
    document = {
        "edge_url": endpoints.edge_url,
        "grpc": dict(endpoints.grpc),
        "nats_url": endpoints.nats_url,
        "pids": {process.name: process.pid for process in processes},
        "replicas": {name: list(addresses) for name, addresses in endpoints.replicas.items()},
        "databases": dict(endpoints.databases),
    }
    # Written aside and renamed, so a reader never sees half a file.
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def read_state(data_dir: Path) -> StackState | None:
    """The state of a ready stack, or None when none is running (or not ready yet)."""
    try:
        document = json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return StackState(
        edge_url=str(document["edge_url"]),
        grpc={str(k): str(v) for k, v in document["grpc"].items()},
        nats_url=str(document["nats_url"]),
        pids={str(k): int(v) for k, v in document["pids"].items()},
        replicas={str(k): [str(a) for a in v] for k, v in document.get("replicas", {}).items()},
        databases={str(k): str(v) for k, v in document.get("databases", {}).items()},
    )


def clear_state(data_dir: Path) -> None:
    state_path(data_dir).unlink(missing_ok=True)
