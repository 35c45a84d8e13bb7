"""Deliver every event twice: republish each one seen on the broker under a new Nats-Msg-Id.

The copy keeps the payload and every header, the event id (`ce-id`) included, so to a consumer it is
the same event arriving again, as after a lost ack or a relay that published before crashing. Only
JetStream's duplicate filter is sidestepped, by the new message id; the inbox must do the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.aio.msg import Msg

from scripts.devstack import Stack
from tests.faults.settle import broker

# Marks a copy, so the copier does not copy its own copies.
COPY_HEADER = "Mercado-Test-Copy"
EVENT_SUBJECTS = "mercado.>"


@asynccontextmanager
async def every_event_twice(stack: Stack) -> AsyncIterator[Counter[str]]:
    """While open, each event published is stored once more; yields the copies made, by event type."""
    copies: Counter[str] = Counter()
    async with broker(stack) as client:
        js = client.jetstream(timeout=5.0)

        async def copy(msg: Msg) -> None:
            headers = dict(msg.headers or {})
            if COPY_HEADER in headers or "ce-id" not in headers:
                return
            headers |= {"Nats-Msg-Id": f"{headers['ce-id']}/copy", COPY_HEADER: "1"}
            await js.publish(msg.subject, msg.data, headers=headers)
            copies[headers.get("ce-type", msg.subject)] += 1

        subscription = await client.subscribe(EVENT_SUBJECTS, cb=copy)
        # A round trip, so the server has registered the subscription before any event is published.
        await client.flush()
        try:
            yield copies
        finally:
            # Copies every event already received before the connection closes.
            await subscription.drain()  # type: ignore[no-untyped-call]  # nats-py leaves it unannotated
