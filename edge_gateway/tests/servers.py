"""The fake backends as running gRPC servers on port 0, with a health service the tests can flip."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

import grpc
import httpx
from fastapi import FastAPI
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from edge_gateway.backends import HEALTH_SERVICE
from edge_gateway.tests.fake_billing import FakeBilling
from edge_gateway.tests.fake_inventory import FakeInventory
from edge_gateway.tests.fake_shipping import FakeShipping

Fake = TypeVar("Fake")
EdgeFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]


@dataclass
class BackendServer(Generic[Fake]):
    """One running fake and the knobs the tests turn."""

    name: str
    fake: Fake
    health: health.aio.HealthServicer
    address: str

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self.health.set(HEALTH_SERVICE[self.name], status)


InventoryServer = BackendServer[FakeInventory]
BillingServer = BackendServer[FakeBilling]
ShippingServer = BackendServer[FakeShipping]


@asynccontextmanager
async def serve(
    name: str, fake: Fake, register: Callable[[Fake, grpc.aio.Server], None]
) -> AsyncIterator[BackendServer[Fake]]:
    server = grpc.aio.server()
    register(fake, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    running = BackendServer(name, fake, health_servicer, f"127.0.0.1:{port}")
    await running.set_serving(True)
    try:
        yield running
    finally:
        await server.stop(None)
