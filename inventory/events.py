"""The inventory's event payloads: domain events out to the outbox, consumed events in to order ids."""

from __future__ import annotations

import uuid
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from chassis.messaging import PoisonMessage
from chassis.outbox import OutboxMessage, outbox_message
from chassis.proto_time import timestamp
from inventory.domain import (
    DomainEvent,
    ReleaseReason,
    ReservationCommitted,
    ReservationReleased,
    StockLow,
    StockReserved,
)
from inventory.messages import address_to_proto, line_to_proto, money_to_proto
from inventory.use_cases.requests import is_canonical_uuid
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.inventory.v1 import events_pb2 as inventory_events
from mercado.shipping.v1 import events_pb2 as shipping_events

SOURCE = "mercado/inventory"

PUBLISHED = tuple(
    message.DESCRIPTOR.full_name
    for message in (
        inventory_events.StockReserved,
        inventory_events.ReservationReleased,
        inventory_events.ReservationCommitted,
        inventory_events.StockLow,
    )
)
PAYMENT_FAILED = billing_events.PaymentFailed.DESCRIPTOR.full_name
PAYMENT_CAPTURED = billing_events.PaymentCaptured.DESCRIPTOR.full_name
ORDER_CANCELLED = shipping_events.OrderCancelled.DESCRIPTOR.full_name
SHIPMENT_DISPATCHED = shipping_events.ShipmentDispatched.DESCRIPTOR.full_name
CONSUMED = (PAYMENT_FAILED, PAYMENT_CAPTURED, ORDER_CANCELLED, SHIPMENT_DISPATCHED)

# Each reservation event happens at most once per order, so its id is derived from the order:
# even a bug that staged it twice could not put two different events on the wire.
_EVENT_IDS = uuid.UUID("5d0f8a53-2a4c-4f8e-9a57-3c1e1c9b7a10")

_RELEASE_REASONS = {
    ReleaseReason.PAYMENT_FAILED: inventory_events.RELEASE_REASON_PAYMENT_FAILED,
    ReleaseReason.ORDER_CANCELLED: inventory_events.RELEASE_REASON_ORDER_CANCELLED,
}


def outbox_message_for(event: DomainEvent) -> OutboxMessage:
    payload = to_proto(event)
    event_id = None
    if not isinstance(event, StockLow):
        order_id = event.reservation.order_id
        event_id = str(uuid.uuid5(_EVENT_IDS, f"{order_id}/{payload.DESCRIPTOR.name}"))
    return outbox_message(payload, source=SOURCE, event_id=event_id)


def to_proto(event: DomainEvent) -> Message:
    match event:
        case StockReserved(reservation=r):
            return inventory_events.StockReserved(
                order_id=r.order_id,
                customer_id=r.customer_id,
                lines=[line_to_proto(line) for line in r.lines],
                shipping_address=address_to_proto(r.shipping_address),
                subtotal=money_to_proto(r.subtotal),
                total_weight_grams=r.total_weight_grams,
                reserve_time=timestamp(r.create_time),
                expire_time=timestamp(r.expire_time),
            )
        case ReservationReleased(reservation=r, reason=reason, release_time=at):
            return inventory_events.ReservationReleased(
                order_id=r.order_id,
                customer_id=r.customer_id,
                reason=_RELEASE_REASONS[reason],
                lines=[line_to_proto(line) for line in r.lines],
                release_time=timestamp(at),
            )
        case ReservationCommitted(reservation=r, commit_time=at):
            return inventory_events.ReservationCommitted(
                order_id=r.order_id,
                customer_id=r.customer_id,
                lines=[line_to_proto(line) for line in r.lines],
                commit_time=timestamp(at),
            )
        case StockLow():
            return inventory_events.StockLow(
                sku=event.sku,
                available=event.available,
                low_stock_threshold=event.low_stock_threshold,
                observe_time=timestamp(event.observe_time),
            )


M = TypeVar("M", bound=Message)


def decode(payload: bytes, message_type: type[M]) -> M:
    """Parse a consumed payload; one that can never parse is poison, not a reason to retry."""
    try:
        return message_type.FromString(payload)
    except DecodeError as error:
        raise PoisonMessage(f"payload is not a valid {message_type.DESCRIPTOR.full_name}") from error


def order_id_of(payload: bytes, message_type: type[M]) -> str:
    """The order id of a consumed payload (PaymentFailed, PaymentCaptured, OrderCancelled...)."""
    message = decode(payload, message_type)
    order_id: str = getattr(message, "order_id", "")
    if not is_canonical_uuid(order_id):
        raise PoisonMessage(f"{message_type.DESCRIPTOR.full_name} has no valid order_id")
    return order_id
