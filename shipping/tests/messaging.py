"""Test-side JetStream and saga helpers: pay orders as billing would, read what shipping published."""

from __future__ import annotations

import uuid
from typing import TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from chassis.db import create_engine
from chassis.naming import durable_for, stream_for, subject_for
from chassis.outbox import event_message
from chassis.testing import eventually
from mercado.billing.v1 import events_pb2 as billing
from mercado.common.v1 import address_pb2, money_pb2
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.consumers import SERVICE
from shipping.store import outbox
from shipping.tests.harness import RunningService

PAYMENT_CAPTURED = billing.PaymentCaptured.DESCRIPTOR.full_name
M = TypeVar("M", bound=Message)


def address(**changes: str) -> address_pb2.PostalAddress:
    fields = {"name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "Lisbon"}
    fields.update(postal_code="1100-148", country="PT")
    fields.update(changes)
    return address_pb2.PostalAddress(**fields)


def payment_captured(
    order_id: str | None = None, *, customer_id: str = "alice", weight: int = 1200, country: str = "PT"
) -> billing.PaymentCaptured:
    return billing.PaymentCaptured(
        order_id=order_id or str(uuid.uuid4()),
        customer_id=customer_id,
        invoice_id=str(uuid.uuid4()),
        total=money_pb2.Money(currency_code="EUR", amount_minor=3499),
        shipping_fee=money_pb2.Money(currency_code="EUR", amount_minor=999),
        shipping_address=address(country=country),
        total_weight_grams=weight,
    )


async def publish(
    js: JetStreamContext, payload: Message | bytes, *, event_type: str = "", event_id: str | None = None
) -> int:
    """Publish like billing's relay would; returns the stream sequence of the message."""
    if isinstance(payload, Message):
        event_type = event_type or payload.DESCRIPTOR.full_name
        payload = payload.SerializeToString()
    message = event_message(event_type, payload, source="mercado/test", event_id=event_id)
    # A fresh Nats-Msg-Id per publish, so a deliberate duplicate (same ce-id) is not deduplicated
    # by the broker and really reaches the consumer twice.
    headers = {**message.headers, "Nats-Msg-Id": str(uuid.uuid4())}
    ack = await js.publish(message.subject, message.payload, headers=headers)
    return int(ack.seq)


async def handled(js: JetStreamContext, stream_seq: int, event_type: str = PAYMENT_CAPTURED) -> None:
    """Wait until shipping's consumer has settled every message up to `stream_seq`."""
    stream, durable = stream_for(event_type), durable_for(SERVICE, event_type)

    async def settled() -> bool:
        info = await js.consumer_info(stream, durable)
        return bool(info.ack_floor and info.ack_floor.stream_seq >= stream_seq and not info.num_ack_pending)

    await eventually(settled, message=f"{durable} did not settle message {stream_seq}")


async def shipment_of(service: RunningService, order_id: str) -> pb.Shipment | None:
    try:
        reply = await service.stub.GetShipmentByOrder(pb.GetShipmentByOrderRequest(order_id=order_id))
    except grpc.aio.AioRpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return reply.shipment


async def paid_and_shipped(
    service: RunningService, js: JetStreamContext, *, customer_id: str = "alice", country: str = "PT"
) -> pb.Shipment:
    """Pay a new order the way billing does and wait for its shipment."""
    captured = payment_captured(customer_id=customer_id, country=country)
    await publish(js, captured)
    found: list[pb.Shipment] = []

    async def created() -> bool:
        shipment = await shipment_of(service, captured.order_id)
        found.extend([shipment] if shipment is not None else [])
        return shipment is not None

    await eventually(created, message=f"no shipment for order {captured.order_id}")
    return found[-1]


async def published(js: JetStreamContext, message_type: type[M]) -> list[M]:
    """Every `message_type` event in its stream, oldest first."""
    event_type = message_type.DESCRIPTOR.full_name
    found: list[M] = []
    seq = 1
    while True:
        try:
            raw = await js.get_msg(
                stream_for(event_type), seq=seq, subject=subject_for(event_type), next=True
            )
        except NotFoundError:
            return found
        found.append(message_type.FromString(raw.data or b""))
        seq = int(raw.seq or 0) + 1


async def outbox_drained(service: RunningService) -> None:
    """Wait until the relay has published every event shipping committed so far."""
    engine = create_engine(service.settings.database_url)

    async def empty() -> bool:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            return (await connection.execute(query)).scalar_one() == 0

    try:
        await eventually(empty, message="the outbox was not drained")
    finally:
        await engine.dispose()
