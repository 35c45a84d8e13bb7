"""Test-side JetStream helpers: publish events as their owners would, read what the inventory published."""

from __future__ import annotations

import uuid

from google.protobuf.message import Message
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from chassis.naming import durable_for, stream_for, subject_for
from chassis.outbox import event_message
from chassis.testing import eventually
from inventory.consumers import SERVICE


async def publish(
    js: JetStreamContext,
    payload: Message | bytes,
    *,
    event_type: str = "",
    event_id: str | None = None,
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
    """Wait until the inventory's consumer has settled every message up to `stream_seq`."""
    stream, durable = stream_for(event_type), durable_for(SERVICE, event_type)

    async def settled() -> bool:
        info = await js.consumer_info(stream, durable)
        return bool(info.ack_floor and info.ack_floor.stream_seq >= stream_seq and not info.num_ack_pending)

    await eventually(settled, message=f"{durable} did not settle message {stream_seq}")


async def last_published(js: JetStreamContext, event_type: str) -> bytes | None:
    """The payload of the newest `event_type` message in its stream, or None if there is none."""
    try:
        message = await js.get_last_msg(stream_for(event_type), subject_for(event_type))
    except NotFoundError:
        return None
    return message.data
