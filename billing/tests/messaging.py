"""Test-side JetStream helpers: publish events as their owners would, read what billing published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from google.protobuf.message import Message
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from billing.consumers import SERVICE
from billing.tests.builders import ADDRESS
from chassis.naming import durable_for, stream_for, subject_for
from chassis.outbox import event_message
from chassis.testing import eventually
from mercado.common.v1 import address_pb2, money_pb2
from mercado.inventory.v1 import events_pb2 as inventory_events
from mercado.inventory.v1 import inventory_pb2


async def publish(
    js: JetStreamContext, payload: Message | bytes, *, event_type: str = "", event_id: str | None = None
) -> int:
    """Publish like another service's relay would; returns the stream sequence of the message."""
    if isinstance(payload, Message):
        event_type = event_type or payload.DESCRIPTOR.full_name
        payload = payload.SerializeToString()
    message = event_message(event_type, payload, source="mercado/test", event_id=event_id)
    # A fresh Nats-Msg-Id per publish, so a deliberate duplicate (same ce-id) is not deduplicated
    # by the broker and really reaches the consumer twice.
    headers = {**message.headers, "Nats-Msg-Id": str(uuid.uuid4())}
    ack = await js.publish(message.subject, message.payload, headers=headers)
    return int(ack.seq)


async def handled(js: JetStreamContext, event_type: str, stream_seq: int) -> None:
    """Wait until billing's consumer has settled every message up to `stream_seq`."""
    stream, durable = stream_for(event_type), durable_for(SERVICE, event_type)

    async def settled() -> bool:
        info = await js.consumer_info(stream, durable)
        return bool(info.ack_floor and info.ack_floor.stream_seq >= stream_seq and not info.num_ack_pending)

    await eventually(settled, message=f"{durable} did not settle message {stream_seq}")


async def published(js: JetStreamContext, message_type: type[Message], order_id: str) -> list[Message]:
    """Every `message_type` event billing put on the wire for `order_id`, oldest first."""
    event_type = message_type.DESCRIPTOR.full_name
    stream = stream_for(event_type)
    try:
        last = (await js.stream_info(stream)).state.last_seq
    except NotFoundError:
        return []
    found = []
    for seq in range(1, last + 1):
        message = await js.get_msg(stream, seq)
        if message.subject == subject_for(event_type):
            event = message_type.FromString(message.data or b"")
            if getattr(event, "order_id", None) == order_id:
                found.append(event)
    return found


def stock_reserved(
    *lines: tuple[str, int, int],
    order_id: str | None = None,
    customer_id: str = "alice",
    country: str = "GB",
) -> inventory_events.StockReserved:
    """A StockReserved as inventory publishes it, for (sku, quantity, unit price in EUR) lines."""
    chosen: Sequence[tuple[str, int, int]] = lines or (("MUG-001", 2, 1250),)
    reserved_lines = [
        inventory_pb2.ReservationLine(
            sku=sku,
            quantity=quantity,
            unit_price=money_pb2.Money(currency_code="EUR", amount_minor=price),
            unit_weight_grams=350,
            line_total=money_pb2.Money(currency_code="EUR", amount_minor=price * quantity),
        )
        for sku, quantity, price in chosen
    ]
    event = inventory_events.StockReserved(
        order_id=order_id or str(uuid.uuid4()),
        customer_id=customer_id,
        lines=reserved_lines,
        shipping_address=address_pb2.PostalAddress(
            name=ADDRESS.name,
            line1=ADDRESS.line1,
            city=ADDRESS.city,
            postal_code=ADDRESS.postal_code,
            country=country,
        ),
        subtotal=money_pb2.Money(currency_code="EUR", amount_minor=sum(p * q for _, q, p in chosen)),
        total_weight_grams=350 * sum(q for _, q, _ in chosen),
    )
    event.reserve_time.FromDatetime(datetime.now(UTC))
    return event
