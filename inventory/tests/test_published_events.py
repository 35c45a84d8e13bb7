"""Integration tests of what inventory publishes: outbox rows reach JetStream with payload and headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from chassis.messaging import connect_nats
from chassis.testing import NatsServer, eventually
from inventory.tests.harness import RunningService, create_request, reserve_request
from inventory.tests.messaging import last_published
from mercado.inventory.v1 import events_pb2
from mercado.inventory.v1 import inventory_pb2 as pb

STOCK_RESERVED = events_pb2.StockReserved.DESCRIPTOR.full_name
STOCK_LOW = events_pb2.StockLow.DESCRIPTOR.full_name


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(nats_server.url, name="inventory-tests")
    yield client.jetstream()
    await client.close()


async def test_a_reservation_publishes_the_full_order_snapshot(
    service: RunningService, js: JetStreamContext
) -> None:
    await service.stub.CreateItem(create_request("MUG-001", on_hand=10))
    reservation = (await service.stub.ReserveStock(reserve_request(("MUG-001", 2)))).reservation

    async def published() -> bool:
        data = await last_published(js, STOCK_RESERVED)
        return data is not None and events_pb2.StockReserved.FromString(data).order_id == reservation.order_id

    await eventually(published, message="StockReserved was not published")
    message = await js.get_last_msg("MERCADO_INVENTORY_V1", STOCK_RESERVED)
    event = events_pb2.StockReserved.FromString(message.data or b"")
    assert list(event.lines) == list(reservation.lines)
    assert event.shipping_address == reservation.shipping_address
    assert event.subtotal == reservation.subtotal
    assert event.total_weight_grams == reservation.total_weight_grams
    assert event.expire_time == reservation.expire_time
    headers = message.headers or {}
    assert headers["ce-type"] == STOCK_RESERVED
    assert headers["ce-source"] == "mercado/inventory"
    assert headers["content-type"] == "application/protobuf"
    assert headers["Nats-Msg-Id"] == headers["ce-id"]


async def test_low_stock_is_published_when_a_reservation_crosses_the_threshold(
    service: RunningService, js: JetStreamContext
) -> None:
    await service.stub.CreateItem(create_request("LOW-777", on_hand=10, threshold=3))
    await service.stub.ReserveStock(reserve_request(("LOW-777", 7)))

    async def published() -> bool:
        data = await last_published(js, STOCK_LOW)
        return data is not None and events_pb2.StockLow.FromString(data).sku == "LOW-777"

    await eventually(published, message="StockLow was not published")
    event = events_pb2.StockLow.FromString(await last_published(js, STOCK_LOW) or b"")
    assert (event.available, event.low_stock_threshold) == (3, 3)
    item = (await service.stub.GetItem(pb.GetItemRequest(sku="LOW-777"))).item
    assert item.available == 3
