"""Fixtures for billing's integration tests: a per-test broker, a fake shipping service, the service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from billing.tests.harness import RunningService, running_service
from billing.tests.shipping_fake import FakeShipping, fake_shipping
from chassis.messaging import connect_nats
from chassis.testing import NatsServer


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="billing-tests")
    yield client.jetstream()
    await client.close()


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
