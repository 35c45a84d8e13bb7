"""Fixtures: a fake inventory gRPC server on port 0 and the edge app in front of it, lifespan included."""

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from edge_gateway.app import create_app
from edge_gateway.backends import HEALTH_SERVICE
from edge_gateway.settings import EdgeSettings
from edge_gateway.tests.fake_inventory import FakeInventory
from mercado.inventory.v1 import inventory_pb2_grpc

EdgeFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@dataclass
class InventoryServer:
    """The running fake and the knobs the tests turn."""

    fake: FakeInventory
    health: health.aio.HealthServicer
    address: str

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set(HEALTH_SERVICE["inventory"], status)


@pytest.fixture(autouse=True)
def _no_edge_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests state their settings explicitly; an EDGE_* variable of the developer's shell must not leak in.
    for name in list(os.environ):
        if name.startswith("EDGE_"):
            monkeypatch.delenv(name)


@pytest.fixture
async def inventory() -> AsyncIterator[InventoryServer]:
    fake = FakeInventory()
    fake.add_item("MUG-001", price=1999, on_hand=10)
    fake.add_item("TEE-002", price=2500, on_hand=5, weight=200)
    fake.add_item("CAP-003", price=1500, on_hand=0)
    server = grpc.aio.server()
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(fake, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    running = InventoryServer(fake, health_servicer, f"127.0.0.1:{port}")
    await running.set_serving(True)
    yield running
    await server.stop(None)


@pytest.fixture
def edge_for(inventory: InventoryServer) -> EdgeFactory:
    """Build an edge (settings overridable) in front of the fake, run its lifespan, yield a client."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = EdgeSettings(**{"inventory_addr": inventory.address, **overrides})
        app = create_app(settings)
        # raise_app_exceptions=False: a crash must be observed as the 500 a client would get.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client,
        ):
            yield client

    return start


@pytest.fixture
async def edge(edge_for: EdgeFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with edge_for() as client:
        yield client
