"""Concurrent ReserveStock through the real server, on SQLite and PostgreSQL: no oversell, no duplicates."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest

from chassis.testing import NatsServer
from inventory.tests.harness import (
    RunningService,
    create_request,
    failure_of,
    reserve_request,
    running_service,
)
from mercado.inventory.v1 import inventory_pb2 as pb


@pytest.fixture
async def service_on(database_url: str, nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with running_service(database_url, nats_server.url) as running:
        yield running


async def outcome(service: RunningService, request: pb.ReserveStockRequest) -> str:
    try:
        await service.stub.ReserveStock(request, timeout=30)
    except grpc.aio.AioRpcError as error:
        return failure_of(error).reason
    return "RESERVED"


async def test_forty_orders_competing_for_ten_units_reserve_exactly_ten(service_on: RunningService) -> None:
    await service_on.stub.CreateItem(create_request("LAST-UNITS", on_hand=10))
    requests = [reserve_request(("LAST-UNITS", 1), customer_id=f"c{n}") for n in range(40)]
    outcomes = await asyncio.gather(*(outcome(service_on, r) for r in requests))
    assert Counter(outcomes) == {"RESERVED": 10, "INSUFFICIENT_STOCK": 30}
    item = (await service_on.stub.GetItem(pb.GetItemRequest(sku="LAST-UNITS"))).item
    assert (item.on_hand, item.reserved, item.available) == (10, 10, 0)
    listed = await service_on.stub.ListReservations(pb.ListReservationsRequest(page_size=100))
    assert sum(line.quantity for r in listed.reservations for line in r.lines) == 10


async def test_orders_sharing_skus_in_opposite_order_neither_deadlock_nor_oversell(
    service_on: RunningService,
) -> None:
    for sku in ("AAA-1", "BBB-2"):
        await service_on.stub.CreateItem(create_request(sku, on_hand=6))
    forward = [reserve_request(("AAA-1", 1), ("BBB-2", 1)) for _ in range(8)]
    backward = [reserve_request(("BBB-2", 1), ("AAA-1", 1)) for _ in range(8)]
    outcomes = await asyncio.gather(*(outcome(service_on, r) for r in [*forward, *backward]))
    assert Counter(outcomes) == {"RESERVED": 6, "INSUFFICIENT_STOCK": 10}
    for sku in ("AAA-1", "BBB-2"):
        item = (await service_on.stub.GetItem(pb.GetItemRequest(sku=sku))).item
        assert (item.reserved, item.available) == (6, 0)


async def test_concurrent_duplicates_of_one_order_make_one_reservation(service_on: RunningService) -> None:
    await service_on.stub.CreateItem(create_request("MUG-001", on_hand=50))
    request = reserve_request(("MUG-001", 3))
    replies = await asyncio.gather(*(service_on.stub.ReserveStock(request, timeout=30) for _ in range(12)))
    assert len({reply.reservation.SerializeToString() for reply in replies}) == 1
    item = (await service_on.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item
    assert (item.reserved, item.available) == (3, 47)
