"""Fixtures of shipping's tests: in-memory state, a per-test broker and the service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from chassis.messaging import connect_nats
from chassis.testing import NatsServer
from shipping.tests.fakes import State
from shipping.tests.harness import RunningService, running_service


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="shipping-tests")
    yield client.jetstream()
    await client.close()


@pytest.fixture
async def service(sqlite_url: str, own_nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with running_service(sqlite_url, own_nats_server.url, consumer_max_deliver=3) as running:
        yield running
