"""Fixtures for billing's integration tests: databases, a broker, a fake shipping service, the service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from sqlalchemy import make_url, text

from billing.tests.harness import RunningService, running_service
from billing.tests.shipping_fake import FakeShipping, fake_shipping
from chassis.db import create_engine
from chassis.messaging import connect_nats
from chassis.testing import NatsServer, postgres_url


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """One broker for tests that publish nothing billing consumes; saga tests start their own."""
    with NatsServer(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture
def own_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    # Durable consumer names are fixed, so tests sharing a broker would consume each other's events.
    with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="billing-tests")
    yield client.jetstream()
    await client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'billing.db'}"


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """A freshly created PostgreSQL database for one test, dropped afterwards."""
    server_url = make_url(postgres_url())
    name = f"billing_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url.render_as_string(hide_password=False))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server_url.set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL (skipped without MERCADO_TEST_POSTGRES_URL)."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_database"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def shipping() -> AsyncIterator[FakeShipping]:
    async with fake_shipping() as running:
        yield running


@pytest.fixture
async def service(
    sqlite_url: str, nats_server: NatsServer, shipping: FakeShipping
) -> AsyncIterator[RunningService]:
    """Billing for RPC tests: a shared broker, since nothing is published for it to consume."""
    async with running_service(sqlite_url, nats_server.url, f"127.0.0.1:{shipping.port}") as running:
        yield running


@pytest.fixture
async def saga_service(
    database_url: str, own_nats_server: NatsServer, shipping: FakeShipping
) -> AsyncIterator[RunningService]:
    """Billing on its own broker, SQLite and PostgreSQL, with few deliveries so give-ups come quickly."""
    async with running_service(
        database_url, own_nats_server.url, f"127.0.0.1:{shipping.port}", consumer_max_deliver=4
    ) as running:
        yield running
