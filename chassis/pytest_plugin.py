"""Pytest fixtures every service's tests share: brokers, SQLite and per-test PostgreSQL databases.

Registered once by the repository's root conftest.py; a service's conftest keeps only its own fixtures
(and may override one of these by name).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import make_url, text

from chassis.db import create_engine
from chassis.messaging import connect_nats
from chassis.testing import NatsServer, postgres_url


@pytest.fixture(scope="session")
def _nats_servers() -> Iterator[dict[str, NatsServer]]:
    servers: dict[str, NatsServer] = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def nats_server(
    request: pytest.FixtureRequest,
    _nats_servers: dict[str, NatsServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> NatsServer:
    """One JetStream-enabled nats-server per top-level test tree (a service's tests, tests/), for the session.

    Not one for the whole session: a service's durable consumers would pick up the events another
    service's tests publish. For tests that only publish: consumer tests take `own_nats_server`.
    """
    tree = request.path.relative_to(request.config.rootpath).parts[0]
    server = _nats_servers.get(tree)
    if server is None:
        server = NatsServer(tmp_path_factory.mktemp(f"nats-{tree}")).start()
        _nats_servers[tree] = server
    return server


@pytest.fixture
def own_nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    # One broker per test: durable consumer names are fixed, so a shared broker would hand one
    # test's messages to the next test's service.
    with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[Client]:
    client = await connect_nats(nats_url, name="pytest", reconnect_time_wait=0.1)
    yield client
    if not client.is_closed:
        await client.close()


@pytest.fixture
def js(nats_client: Client) -> JetStreamContext:
    return nats_client.jetstream(timeout=2.0)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A file-backed SQLite database in a directory that does not exist yet."""
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'service.db'}"


@pytest.fixture
async def postgres_database() -> AsyncIterator[str]:
    """A freshly created PostgreSQL database for one test, dropped afterwards."""
    server_url = make_url(postgres_url())
    name = f"test_{uuid.uuid4().hex[:12]}"
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
