"""Fixtures: fake inventory, billing and shipping gRPC servers and the edge app in front of them."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from edge_gateway.app import create_app
from edge_gateway.settings import EdgeSettings
from edge_gateway.tests.fake_billing import FakeBilling
from edge_gateway.tests.fake_inventory import FakeInventory
from edge_gateway.tests.fake_shipping import FakeShipping
from edge_gateway.tests.saga import Saga
from edge_gateway.tests.servers import (
    AppFactory,
    BillingServer,
    EdgeFactory,
    InventoryServer,
    ShippingServer,
    serve,
)
from mercado.billing.v1 import billing_pb2_grpc
from mercado.inventory.v1 import inventory_pb2_grpc
from mercado.shipping.v1 import shipping_pb2_grpc


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
    async with serve("inventory", fake, inventory_pb2_grpc.add_InventoryServiceServicer_to_server) as running:
        yield running


@pytest.fixture
async def billing() -> AsyncIterator[BillingServer]:
    async with serve(
        "billing", FakeBilling(), billing_pb2_grpc.add_BillingServiceServicer_to_server
    ) as running:
        yield running


@pytest.fixture
async def shipping() -> AsyncIterator[ShippingServer]:
    fake = FakeShipping()
    async with serve("shipping", fake, shipping_pb2_grpc.add_ShippingServiceServicer_to_server) as running:
        yield running


@pytest.fixture
def saga(inventory: InventoryServer, billing: BillingServer, shipping: ShippingServer) -> Saga:
    return Saga(inventory, billing, shipping)


@pytest.fixture
def edge_app_for(inventory: InventoryServer, billing: BillingServer, shipping: ShippingServer) -> AppFactory:
    """Build an edge (settings overridable) in front of the fakes and run its lifespan."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[FastAPI]:
        addresses = {
            "inventory_addr": inventory.address,
            "billing_addr": billing.address,
            "shipping_addr": shipping.address,
        }
        app = create_app(EdgeSettings(**{**addresses, **overrides}))
        async with app.router.lifespan_context(app):
            yield app

    return start


@pytest.fixture
def edge_for(edge_app_for: AppFactory) -> EdgeFactory:
    """Like edge_app_for, yielding an HTTP client of the app."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        async with edge_app_for(**overrides) as app:
            # raise_app_exceptions=False: a crash must be observed as the 500 a client would get.
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client:
                yield client

    return start


@pytest.fixture
async def edge(edge_for: EdgeFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with edge_for() as client:
        yield client
