"""Fixtures of shipping's tests: in-memory state, databases (SQLite, PostgreSQL), NATS and the service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from sqlalchemy import make_url, text

from chassis.db import create_engine
from chassis.messaging import connect_nats
from chassis.testing import NatsServer, postgres_url
from shipping.tests.fakes import State
from shipping.tests.harness import RunningService, running_service


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
def own_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    # One broker per test: durable consumer names are fixed, so a shared broker would hand one
    # test's messages to the next test's service.
    with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="shipping-tests")
    yield client.jetstream()
    await client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'shipping.db'}"


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """A freshly created PostgreSQL database for one test, dropped afterwards."""
    server_url = make_url(postgres_url())
    name = f"shipping_test_{uuid.uuid4().hex[:12]}"
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
async def service(sqlite_url: str, own_nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with running_service(sqlite_url, own_nats_server.url, consumer_max_deliver=3) as running:
        yield running
