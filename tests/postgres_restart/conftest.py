"""A whole stack whose three services each use their own fresh database on the machine's PostgreSQL.

Not the faults package's stack: that one keeps its services on SQLite files. Everything here is per
test, and the cluster fixture leaves PostgreSQL running and accepting connections whatever happened.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from chassis.testing import REQUIRE_POSTGRES_ENV, postgres_url
from scripts.devstack import Stack
from scripts.devstack.services import GRPC_SERVICES
from scripts.invariants import Ledger
from tests.faults.control import running_stack
from tests.faults.shop import Shop
from tests.postgres_restart.databases import service_databases
from tests.postgres_restart.postgres_server import ClusterUnavailable, PostgresCluster, find_cluster

# Billing is paused (SIGSTOP) around the outage; events it had fetched then are offered again after the
# ack wait: 5 s instead of 30 keeps the test short (as in tests/faults).
BILLING_ENV = {"BILLING_CONSUMER_ACK_WAIT_SECONDS": "5"}


@pytest.fixture
async def postgres_cluster() -> AsyncIterator[PostgresCluster]:
    """The cluster behind MERCADO_TEST_POSTGRES_URL, ready; started again at the end if a test left it down.

    Driving it needs root and Debian's cluster tools: without them the test fails when PostgreSQL
    tests are mandatory (MERCADO_REQUIRE_POSTGRES=1) and is skipped otherwise, naming what is missing.
    """
    url = make_url(postgres_url())
    try:
        cluster = find_cluster(url.host or "127.0.0.1", url.port or 5432)
    except ClusterUnavailable as missing:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{missing} ({REQUIRE_POSTGRES_ENV}=1: PostgreSQL tests may not be skipped)")
        pytest.skip(str(missing))
    await cluster.wait_ready()
    try:
        yield cluster
    finally:
        await cluster.ensure_ready()


@pytest.fixture
async def database_urls(postgres_cluster: PostgresCluster) -> AsyncIterator[dict[str, str]]:
    """Per gRPC service, the URL of its own new database; dropped after the test (with the server up)."""
    async with service_databases(postgres_url(), [service.name for service in GRPC_SERVICES]) as urls:
        try:
            yield urls
        finally:
            await postgres_cluster.ensure_ready()


@pytest.fixture
def stack(tmp_path: Path, database_urls: dict[str, str]) -> Iterator[Stack]:
    """NATS, the three services (migrating their databases at start-up) and the edge, on free ports."""
    env = {s.name: {f"{s.env_prefix}DATABASE_URL": database_urls[s.name]} for s in GRPC_SERVICES}
    env["billing"] = {**env["billing"], **BILLING_ENV}
    with running_stack(tmp_path / "stack", env) as running:
        yield running


@pytest.fixture
async def shop(stack: Stack) -> AsyncIterator[Shop]:
    async with httpx.AsyncClient(base_url=stack.endpoints.edge_url, timeout=10.0) as client:
        yield Shop(client, Ledger())
