"""Billing's event payloads: domain events out to the outbox, consumed events in to use-case arguments."""

from __future__ import annotations

import uuid
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from billing.domain import (
    DomainEvent,
    InvoiceLine,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    ReservedOrder,
)
from billing.messages import (
    REASON_TO_PROTO,
    address_from_proto,
    address_to_proto,
    money_from_proto,
    money_to_proto,
)
from chassis.messaging import PoisonMessage
from chassis.outbox import OutboxMessage, outbox_message
from chassis.proto_time import timestamp
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.inventory.v1 import events_pb2 as inventory_events
from mercado.shipping.v1 import events_pb2 as shipping_events

SOURCE = "mercado/billing"

PUBLISHED = tuple(
    message.DESCRIPTOR.full_name
    for message in (
        billing_events.PaymentCaptured,
        billing_events.PaymentFailed,
        billing_events.PaymentRefunded,
    )
)
STOCK_RESERVED = inventory_events.StockReserved.DESCRIPTOR.full_name
ORDER_CANCELLED = shipping_events.OrderCancelled.DESCRIPTOR.full_name
CONSUMED = (STOCK_RESERVED, ORDER_CANCELLED)

# Each payment event happens at most once per order, so its id is derived from the order: even a
# bug that staged it twice could not put two different events on the wire.
_EVENT_IDS = uuid.UUID("b3c1e0de-7a43-4d6b-9f0e-2f5d8c4a9e61")


def outbox_message_for(event: DomainEvent) -> OutboxMessage:
    payload = to_proto(event)
    event_id = uuid.uuid5(_EVENT_IDS, f"{event.invoice.order_id}/{payload.DESCRIPTOR.name}")
    return outbox_message(payload, source=SOURCE, event_id=str(event_id))


def to_proto(event: DomainEvent) -> Message:
    invoice = event.invoice
    match event:
        case PaymentCaptured(shipping_address=address, total_weight_grams=weight):
            return billing_events.PaymentCaptured(
                order_id=invoice.order_id,
                customer_id=invoice.customer_id,
                invoice_id=invoice.invoice_id,
                total=money_to_proto(invoice.total),
                shipping_fee=money_to_proto(invoice.shipping_fee),
                shipping_address=address_to_proto(address),
                total_weight_grams=weight,
                capture_time=timestamp(invoice.pay_time or invoice.update_time),
            )
        case PaymentFailed():
            reason = invoice.failure_reason
            return billing_events.PaymentFailed(
                order_id=invoice.order_id,
                customer_id=invoice.customer_id,
                invoice_id=invoice.invoice_id,
                reason=REASON_TO_PROTO[reason]
                if reason
                else billing_events.PAYMENT_FAILURE_REASON_UNSPECIFIED,
                detail=invoice.failure_detail,
                fail_time=timestamp(invoice.fail_time or invoice.update_time),
            )
        case PaymentRefunded():
            return billing_events.PaymentRefunded(
                order_id=invoice.order_id,
                customer_id=invoice.customer_id,
                invoice_id=invoice.invoice_id,
                amount=money_to_proto(invoice.total),
                refund_time=timestamp(invoice.refund_time or invoice.update_time),
            )


M = TypeVar("M", bound=Message)


def decode(payload: bytes, message_type: type[M]) -> M:
    """Parse a consumed payload; one that can never parse is poison, not a reason to retry."""
    try:
        return message_type.FromString(payload)
    except DecodeError as error:
        raise PoisonMessage(f"payload is not a valid {message_type.DESCRIPTOR.full_name}") from error


def reserved_order(payload: bytes) -> ReservedOrder:
    """The order a StockReserved describes; the use case checks the rules it must follow."""
    event = decode(payload, inventory_events.StockReserved)
    currency = event.subtotal.currency_code
    order = ReservedOrder(
        order_id=event.order_id,
        customer_id=event.customer_id,
        currency=currency,
        lines=tuple(
            InvoiceLine(line.sku, line.quantity, money_from_proto(line.unit_price)) for line in event.lines
        ),
        shipping_address=address_from_proto(event.shipping_address),
        total_weight_grams=event.total_weight_grams,
    )
    summed = sum(line.quantity * line.unit_price.amount_minor for line in event.lines)
    if summed != event.subtotal.amount_minor:
        raise PoisonMessage(f"the lines of order {order.order_id} do not sum to its subtotal")
    return order


def cancelled_order(payload: bytes) -> tuple[str, str]:
    """The order id and (possibly empty) customer id an OrderCancelled names."""
    event = decode(payload, shipping_events.OrderCancelled)
    return event.order_id, event.customer_id
