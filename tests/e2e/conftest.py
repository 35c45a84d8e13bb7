"""One stack for the end-to-end package, started by the devstack's Stack on free ports in a temp dir."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from scripts.devstack import Stack, plan_stack
from scripts.seed import seed_catalogue
from tests.e2e.grpcurl import Grpcurl


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """NATS, inventory (SQLite) and the edge as processes, seeded with the demo catalogue like `make run`."""
    plan = plan_stack(tmp_path_factory.mktemp("devstack"), auto_ports=True)
    with Stack(plan) as running:
        seed_catalogue(running.endpoints.grpc["inventory"])
        yield running


@pytest.fixture(scope="package")
def inventory_grpc(stack: Stack) -> Grpcurl:
    return Grpcurl(stack.endpoints.grpc["inventory"])


@pytest.fixture
def edge(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.endpoints.edge_url, timeout=10.0) as client:
        yield client


def devtoken(stack: Stack, subject: str, role: str) -> str:
    """A bearer token from the same CLI the README shows, with the stack's environment."""
    completed = subprocess.run(
        [sys.executable, "-m", "edge_gateway.devtoken", "--sub", subject, "--role", role],
        env=dict(stack.plan.base_env),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return completed.stdout.strip()


def customer(stack: Stack, customer_id: str) -> dict[str, str]:
    """Request headers of a customer."""
    return {"Authorization": f"Bearer {devtoken(stack, customer_id, 'customer')}"}


@pytest.fixture(scope="package")
def alice(stack: Stack) -> dict[str, str]:
    return customer(stack, "alice")


@pytest.fixture(scope="package")
def bob(stack: Stack) -> dict[str, str]:
    return customer(stack, "bob")
