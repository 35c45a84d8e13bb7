"""Integration tests of the consumers: real nats-server, real service, events published as their owners do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext
from sqlalchemy import select

from chassis.db import create_engine
from chassis.messaging import connect_nats
from chassis.testing import NatsServer, eventually
from inventory.store import dead_letters
from inventory.tests.harness import (
    RunningService,
    create_request,
    failure_of,
    reserve_request,
    running_service,
)
from inventory.tests.messaging import handled, last_published, publish
from mercado.billing.v1 import events_pb2 as billing
from mercado.inventory.v1 import events_pb2 as inventory_events
from mercado.inventory.v1 import inventory_pb2 as pb
from mercado.shipping.v1 import events_pb2 as shipping

PAYMENT_FAILED = billing.PaymentFailed.DESCRIPTOR.full_name
SHIPMENT_DISPATCHED = shipping.ShipmentDispatched.DESCRIPTOR.full_name


@pytest.fixture
async def service(sqlite_url: str, own_nats_server: NatsServer) -> AsyncIterator[RunningService]:
    # Its own broker: durable consumer names are fixed, so a shared broker would mix tests' messages.
    async with running_service(sqlite_url, own_nats_server.url, consumer_max_deliver=3) as running:
        yield running


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="inventory-tests")
    yield client.jetstream()
    await client.close()


async def reserved_order(service: RunningService, quantity: int = 3) -> str:
    await service.stub.CreateItem(create_request("MUG-001", on_hand=10))
    reply = await service.stub.ReserveStock(reserve_request(("MUG-001", quantity)))
    return str(reply.reservation.order_id)


async def status(service: RunningService, order_id: str) -> int:
    reply = await service.stub.GetReservation(pb.GetReservationRequest(order_id=order_id))
    return int(reply.reservation.status)


async def stock(service: RunningService, sku: str = "MUG-001") -> tuple[int, int]:
    item = (await service.stub.GetItem(pb.GetItemRequest(sku=sku))).item
    return int(item.on_hand), int(item.reserved)


async def becomes(service: RunningService, order_id: str, expected: int) -> None:
    async def reached() -> bool:
        return await status(service, order_id) == expected

    await eventually(reached, message=f"reservation {order_id} never reached status {expected}")


async def dead_lettered(service: RunningService) -> list[str | None]:
    engine = create_engine(service.settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(dead_letters.c.event_id).order_by(dead_letters.c.id))
            return [row.event_id for row in rows]
    finally:
        await engine.dispose()


async def test_a_failed_payment_releases_the_stock_and_says_so(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service)
    await publish(js, billing.PaymentFailed(order_id=order_id, customer_id="alice"))
    await becomes(service, order_id, pb.RESERVATION_STATUS_RELEASED)
    assert await stock(service) == (10, 0)
    released_type = inventory_events.ReservationReleased.DESCRIPTOR.full_name

    async def announced() -> bool:
        data = await last_published(js, released_type)
        return data is not None and inventory_events.ReservationReleased.FromString(data).order_id == order_id

    await eventually(announced, message="ReservationReleased was not published")


async def test_a_redelivered_dispatch_commits_the_stock_only_once(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service, quantity=3)
    dispatched = shipping.ShipmentDispatched(order_id=order_id, shipment_id=str(uuid.uuid4()))
    event_id = str(uuid.uuid4())
    await publish(js, dispatched, event_id=event_id)
    await becomes(service, order_id, pb.RESERVATION_STATUS_COMMITTED)
    assert await stock(service) == (7, 0)
    again = await publish(js, dispatched, event_id=event_id)
    await handled(js, SHIPMENT_DISPATCHED, again)
    assert await stock(service) == (7, 0)
    assert await dead_lettered(service) == []


async def test_a_cancellation_releases_a_reserved_order(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service)
    await publish(js, shipping.OrderCancelled(order_id=order_id))
    await becomes(service, order_id, pb.RESERVATION_STATUS_RELEASED)
    assert await stock(service) == (10, 0)


async def test_a_cancellation_after_dispatch_changes_nothing(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service, quantity=2)
    await publish(js, shipping.ShipmentDispatched(order_id=order_id))
    await becomes(service, order_id, pb.RESERVATION_STATUS_COMMITTED)
    seq = await publish(js, shipping.OrderCancelled(order_id=order_id))
    await handled(js, shipping.OrderCancelled.DESCRIPTOR.full_name, seq)
    assert await status(service, order_id) == pb.RESERVATION_STATUS_COMMITTED
    assert await stock(service) == (8, 0)


async def test_an_order_cancelled_before_it_reserved_can_never_reserve(
    service: RunningService, js: JetStreamContext
) -> None:
    await service.stub.CreateItem(create_request("MUG-001", on_hand=10))
    request = reserve_request(("MUG-001", 1))
    seq = await publish(js, shipping.OrderCancelled(order_id=request.order_id))
    await handled(js, shipping.OrderCancelled.DESCRIPTOR.full_name, seq)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ReserveStock(request)
    failure = failure_of(error.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ORDER_CANCELLED")
    assert await stock(service) == (10, 0)
    with pytest.raises(grpc.aio.AioRpcError) as lookup:
        await service.stub.GetReservation(pb.GetReservationRequest(order_id=request.order_id))
    assert lookup.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_malformed_message_is_dead_lettered_and_the_next_one_still_handled(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service)
    garbage_id = str(uuid.uuid4())
    await publish(js, b"\xff\xff not protobuf", event_type=PAYMENT_FAILED, event_id=garbage_id)
    await publish(js, billing.PaymentFailed(order_id=order_id))
    await becomes(service, order_id, pb.RESERVATION_STATUS_RELEASED)

    async def recorded() -> bool:
        return await dead_lettered(service) == [garbage_id]

    await eventually(recorded, message="the malformed message was not dead-lettered")


async def test_a_dispatch_of_a_released_order_is_dead_lettered_without_touching_stock(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = await reserved_order(service)
    await publish(js, billing.PaymentFailed(order_id=order_id))
    await becomes(service, order_id, pb.RESERVATION_STATUS_RELEASED)
    dispatch_id = str(uuid.uuid4())
    seq = await publish(js, shipping.ShipmentDispatched(order_id=order_id), event_id=dispatch_id)
    await handled(js, SHIPMENT_DISPATCHED, seq)
    assert await dead_lettered(service) == [dispatch_id]
    assert await stock(service) == (10, 0)
