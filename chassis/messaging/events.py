"""What a consumer handler sees: the incoming event, the handler contract and its two failure kinds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    event_type: str
    subject: str
    payload: bytes
    headers: Mapping[str, str]
    delivery: int


class TransientError(Exception):
    """The handler may succeed later (a dependency is down, a lock timed out): retry with backoff."""


class PoisonMessage(Exception):
    """The event can never be handled (bad payload, impossible state): dead-letter it, do not retry."""


class MalformedEvent(PoisonMessage):
    """The message breaks the wire format (missing or inconsistent CloudEvents headers)."""


Handler = Callable[[IncomingEvent], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    event_type: str
    handler: Handler


MAX_EVENT_ID_LENGTH = 64


def validate_event(event: IncomingEvent, expected_type: str) -> None:
    """Raise MalformedEvent unless the headers carry a usable id and the subscribed type."""
    if not event.event_id or len(event.event_id) > MAX_EVENT_ID_LENGTH or not event.event_id.isprintable():
        raise MalformedEvent("missing or invalid ce-id header")
    if event.event_type != expected_type:
        raise MalformedEvent(f"ce-type {event.event_type!r} does not match subscription {expected_type!r}")
