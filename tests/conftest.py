"""Shared pytest fixtures: a session-wide nats-server on a free port and clients bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from chassis.messaging import connect_nats
from chassis.testing import NatsServer


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """One JetStream-enabled nats-server for the whole session (never on 4222)."""
    with NatsServer(tmp_path_factory.mktemp("nats")) as server:
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
