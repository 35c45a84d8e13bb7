"""Unit tests of the event payloads: what each domain event puts on the wire, and its stable id."""

from __future__ import annotations

from dataclasses import replace

from mercado.shipping.v1 import events_pb2
from shipping.domain import Cancellation, CancellationReason, OrderCancelled, ShipmentCreated
from shipping.events import SOURCE, outbox_message_for
from shipping.tests.builders import LATER, NOW, delivery, new_id, paid_order
from shipping.tests.fakes import FakeUnitOfWork, State
from shipping.use_cases import create_shipment


async def test_an_event_of_one_order_always_gets_the_same_id_and_another_order_another() -> None:
    state = State()
    order = paid_order()
    await create_shipment(FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=NOW)
    (created,) = state.events
    assert isinstance(created, ShipmentCreated)
    again = ShipmentCreated(replace(created.shipment, shipment_id=new_id()))
    other = ShipmentCreated(replace(created.shipment, order_id=new_id()))
    first = outbox_message_for(created)
    assert outbox_message_for(again).event_id == first.event_id
    assert outbox_message_for(other).event_id != first.event_id
    assert first.headers["ce-source"] == SOURCE == "mercado/shipping"


def test_an_order_cancelled_before_its_shipment_names_the_callers_customer() -> None:
    order_id = new_id()
    cancellation = Cancellation(order_id, "frank", CancellationReason.RESERVATION_EXPIRED, LATER)
    message = outbox_message_for(OrderCancelled(cancellation, None))
    payload = events_pb2.OrderCancelled.FromString(message.payload)
    assert (payload.order_id, payload.customer_id) == (order_id, "frank")
    assert payload.reason == events_pb2.CANCELLATION_REASON_RESERVATION_EXPIRED
    assert payload.cancel_time.ToDatetime().replace(tzinfo=LATER.tzinfo) == LATER
    assert message.subject == message.event_type == "mercado.shipping.v1.OrderCancelled"
