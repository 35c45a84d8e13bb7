"""PaymentCaptured through a real nats-server into the real service: one shipment per paid order."""

from __future__ import annotations

import uuid

from nats.js import JetStreamContext
from sqlalchemy import select

from chassis.db import create_engine
from chassis.testing import eventually
from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.store import dead_letters
from shipping.tests.harness import RunningService
from shipping.tests.messaging import (
    PAYMENT_CAPTURED,
    handled,
    outbox_drained,
    paid_and_shipped,
    payment_captured,
    publish,
    published,
    shipment_of,
)


async def dead_lettered(service: RunningService) -> list[str]:
    engine = create_engine(service.settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(dead_letters.c.event_id).order_by(dead_letters.c.id))
            return [str(row.event_id) for row in rows]
    finally:
        await engine.dispose()


async def test_a_captured_payment_creates_a_pending_shipment_and_announces_it(
    service: RunningService, js: JetStreamContext
) -> None:
    captured = payment_captured(customer_id="bob", weight=2500, country="PT")
    await publish(js, captured)

    async def announced() -> bool:
        return any(e.order_id == captured.order_id for e in await published(js, events.ShipmentCreated))

    await eventually(announced, message="ShipmentCreated was not published")
    shipment = await shipment_of(service, captured.order_id)
    assert shipment is not None
    assert shipment.status == pb.SHIPMENT_STATUS_PENDING
    assert (shipment.customer_id, shipment.total_weight_grams) == ("bob", 2500)
    assert shipment.shipping_address == captured.shipping_address
    assert [change.status for change in shipment.history] == [pb.SHIPMENT_STATUS_PENDING]
    created = (await published(js, events.ShipmentCreated))[0]
    assert (created.shipment_id, created.carrier) == (shipment.shipment_id, "Mercado Post")
    assert created.tracking_number == shipment.tracking_number


async def test_a_redelivered_payment_creates_one_shipment_and_one_announcement(
    service: RunningService, js: JetStreamContext
) -> None:
    captured, event_id = payment_captured(), str(uuid.uuid4())
    await publish(js, captured, event_id=event_id)
    await publish(js, captured, event_id=event_id)
    last = await publish(js, captured)  # billing retried with a new event id
    await handled(js, last)
    await outbox_drained(service)
    listed = await service.stub.ListShipments(pb.ListShipmentsRequest())
    assert [s.order_id for s in listed.shipments] == [captured.order_id]
    assert len(await published(js, events.ShipmentCreated)) == 1
    assert await dead_lettered(service) == []


async def test_an_order_cancelled_before_its_payment_never_gets_a_shipment(
    service: RunningService, js: JetStreamContext
) -> None:
    captured = payment_captured()
    reason = events.CANCELLATION_REASON_RESERVATION_EXPIRED
    await service.stub.CancelOrder(pb.CancelOrderRequest(order_id=captured.order_id, reason=reason))
    await handled(js, await publish(js, captured))
    assert await shipment_of(service, captured.order_id) is None
    await outbox_drained(service)
    assert await published(js, events.ShipmentCreated) == []
    cancelled = await published(js, events.OrderCancelled)
    assert [(e.order_id, e.reason) for e in cancelled] == [(captured.order_id, reason)]


async def test_a_malformed_payment_is_dead_lettered_and_the_next_one_still_ships(
    service: RunningService, js: JetStreamContext
) -> None:
    garbage_id, invalid_id = str(uuid.uuid4()), str(uuid.uuid4())
    await publish(js, b"\xff\xff not protobuf", event_type=PAYMENT_CAPTURED, event_id=garbage_id)
    await publish(js, payment_captured(order_id="order-7"), event_id=invalid_id)
    shipment = await paid_and_shipped(service, js)
    assert shipment.status == pb.SHIPMENT_STATUS_PENDING

    async def recorded() -> bool:
        return sorted(await dead_lettered(service)) == sorted([garbage_id, invalid_id])

    await eventually(recorded, message="the malformed payments were not dead-lettered")
    listed = await service.stub.ListShipments(pb.ListShipmentsRequest())
    assert [s.order_id for s in listed.shipments] == [shipment.order_id]


async def test_a_payment_for_a_destination_without_a_carrier_is_dead_lettered(
    service: RunningService, js: JetStreamContext
) -> None:
    captured, event_id = payment_captured(country="AQ"), str(uuid.uuid4())
    await handled(js, await publish(js, captured, event_id=event_id))
    assert await dead_lettered(service) == [event_id]
    assert await shipment_of(service, captured.order_id) is None
