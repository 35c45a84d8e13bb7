"""Shipping's event payloads: domain events out to the outbox, PaymentCaptured in to a paid order."""

from __future__ import annotations

import uuid

from google.protobuf.message import DecodeError, Message

from chassis.messaging import PoisonMessage
from chassis.outbox import OutboxMessage, outbox_message
from chassis.proto_time import timestamp
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.shipping.v1 import events_pb2 as shipping_events
from shipping.domain import (
    DomainEvent,
    OrderCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDispatched,
)
from shipping.messages import address_from_proto, reason_to_proto
from shipping.use_cases import PaidOrder

SOURCE = "mercado/shipping"

PUBLISHED = tuple(
    message.DESCRIPTOR.full_name
    for message in (
        shipping_events.ShipmentCreated,
        shipping_events.ShipmentDispatched,
        shipping_events.ShipmentDelivered,
        shipping_events.OrderCancelled,
    )
)
PAYMENT_CAPTURED = billing_events.PaymentCaptured.DESCRIPTOR.full_name
CONSUMED = (PAYMENT_CAPTURED,)

# Each of these events happens at most once per order, so its id is derived from the order: even a
# bug that staged one twice could not put two different events on the wire.
_EVENT_IDS = uuid.UUID("8e3b1f0c-6a2d-4c55-b0e7-2f9d41c7a3e6")


def outbox_message_for(event: DomainEvent) -> OutboxMessage:
    payload = to_proto(event)
    order_id = event.cancellation.order_id if isinstance(event, OrderCancelled) else event.shipment.order_id
    event_id = str(uuid.uuid5(_EVENT_IDS, f"{order_id}/{payload.DESCRIPTOR.name}"))
    return outbox_message(payload, source=SOURCE, event_id=event_id)


def to_proto(event: DomainEvent) -> Message:
    match event:
        case ShipmentCreated(shipment=s):
            return shipping_events.ShipmentCreated(
                shipment_id=s.shipment_id,
                order_id=s.order_id,
                customer_id=s.customer_id,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                create_time=timestamp(s.create_time),
            )
        case ShipmentDispatched(shipment=s, dispatch_time=at):
            return shipping_events.ShipmentDispatched(
                shipment_id=s.shipment_id,
                order_id=s.order_id,
                customer_id=s.customer_id,
                dispatch_time=timestamp(at),
            )
        case ShipmentDelivered(shipment=s, deliver_time=at):
            return shipping_events.ShipmentDelivered(
                shipment_id=s.shipment_id,
                order_id=s.order_id,
                customer_id=s.customer_id,
                deliver_time=timestamp(at),
            )
        case OrderCancelled(cancellation=c):
            return shipping_events.OrderCancelled(
                order_id=c.order_id,
                reason=reason_to_proto(c.reason),
                cancel_time=timestamp(c.cancel_time),
                customer_id=c.customer_id,
            )


def paid_order_from(payload: bytes) -> PaidOrder:
    """The order a PaymentCaptured payload asks to ship; one that can never parse is poison."""
    try:
        captured = billing_events.PaymentCaptured.FromString(payload)
    except DecodeError as error:
        raise PoisonMessage(f"payload is not a valid {PAYMENT_CAPTURED}") from error
    return PaidOrder(
        order_id=captured.order_id,
        customer_id=captured.customer_id,
        address=address_from_proto(captured.shipping_address),
        total_weight_grams=captured.total_weight_grams,
    )
