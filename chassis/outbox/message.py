"""Outbox messages: a protobuf event plus its CloudEvents headers, ready to be stored and relayed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.message import Message

from chassis.logs import log_context
from chassis.naming import subject_for
from chassis.tracing import make_traceparent

CONTENT_TYPE = "application/protobuf"
SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class OutboxMessage:
    event_id: str
    subject: str
    event_type: str
    payload: bytes
    headers: dict[str, str] = field(default_factory=dict)


def event_message(event_type: str, data: bytes, *, source: str, event_id: str | None = None) -> OutboxMessage:
    """An outbox message for already-serialised `data` of `event_type` (validated by the naming rule)."""
    event_id = event_id or str(uuid.uuid4())
    # Continue the trace of the request or event being handled, so one order reads as one trace.
    trace_id = log_context().get("trace_id")
    headers = {
        "ce-id": event_id,
        "ce-type": event_type,
        "ce-source": source,
        "ce-time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "ce-specversion": SPEC_VERSION,
        "content-type": CONTENT_TYPE,
        "traceparent": make_traceparent(trace_id),
    }
    return OutboxMessage(event_id, subject_for(event_type), event_type, data, headers)


def outbox_message(payload: Message, *, source: str, event_id: str | None = None) -> OutboxMessage:
    """An outbox message whose type and subject are the payload's full protobuf name."""
    return event_message(
        payload.DESCRIPTOR.full_name,
        payload.SerializeToString(deterministic=True),
        source=source,
        event_id=event_id,
    )
