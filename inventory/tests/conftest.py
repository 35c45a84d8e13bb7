"""Fixtures for the inventory's integration tests: the running service (brokers and databases: chassis)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chassis.testing import NatsServer
from inventory.tests.harness import RunningService, running_service


@pytest.fixture
async def service(sqlite_url: str, nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with running_service(sqlite_url, nats_server.url) as running:
        yield running
