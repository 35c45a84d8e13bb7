"""Unit tests of the event translation: payloads, stable event ids, and poison detection on input."""

from __future__ import annotations

import uuid

import pytest

from chassis.messaging import PoisonMessage
from inventory.domain import (
    Money,
    ReleaseReason,
    Reservation,
    ReservationCommitted,
    ReservationReleased,
    StockLow,
    StockReserved,
    place_reservation,
)
from inventory.events import order_id_of, outbox_message_for
from inventory.tests.builders import NOW, TTL, item, order
from mercado.billing.v1 import events_pb2 as billing
from mercado.inventory.v1 import events_pb2


def a_reservation() -> Reservation:
    return place_reservation(order(("MUG-001", 2)), {"MUG-001": item(on_hand=5)}, now=NOW, ttl=TTL)


def test_stock_reserved_carries_the_order_snapshot_billing_needs() -> None:
    reservation = a_reservation()
    message = outbox_message_for(StockReserved(reservation))
    payload = events_pb2.StockReserved.FromString(message.payload)
    assert message.event_type == message.subject == "mercado.inventory.v1.StockReserved"
    assert payload.order_id == reservation.order_id
    assert (payload.subtotal.currency_code, payload.subtotal.amount_minor) == ("EUR", 2500)
    assert payload.lines[0].unit_weight_grams == 350
    assert payload.shipping_address.country == "GB"
    assert payload.expire_time.ToDatetime().timestamp() == (NOW + TTL).timestamp()
    assert reservation.subtotal == Money(2500, "EUR")


def test_a_reservation_event_has_the_same_id_however_often_it_is_built() -> None:
    reservation = a_reservation()
    released = ReservationReleased(reservation, ReleaseReason.PAYMENT_FAILED, NOW)
    first, again = outbox_message_for(released), outbox_message_for(released)
    assert first.event_id == again.event_id == first.headers["ce-id"]
    committed = outbox_message_for(ReservationCommitted(reservation, NOW))
    assert committed.event_id != first.event_id
    payload = events_pb2.ReservationReleased.FromString(first.payload)
    assert payload.reason == events_pb2.RELEASE_REASON_PAYMENT_FAILED


def test_each_low_stock_observation_is_a_new_event() -> None:
    low = StockLow("MUG-001", 2, 3, NOW)
    assert outbox_message_for(low).event_id != outbox_message_for(low).event_id


def test_a_consumed_payload_yields_its_order_id() -> None:
    order_id = str(uuid.uuid4())
    payload = billing.PaymentFailed(order_id=order_id).SerializeToString()
    assert order_id_of(payload, billing.PaymentFailed) == order_id


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xff garbage", billing.PaymentFailed(order_id="not-a-uuid").SerializeToString(), b""],
)
def test_an_undecodable_payload_or_missing_order_id_is_poison(payload: bytes) -> None:
    with pytest.raises(PoisonMessage):
        order_id_of(payload, billing.PaymentFailed)
