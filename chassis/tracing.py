"""W3C trace context: parse and mint `traceparent` values; no tracing backend is involved."""

from __future__ import annotations

import re
import secrets

_TRACEPARENT = re.compile(r"^00-(?P<trace_id>[0-9a-f]{32})-(?P<span_id>[0-9a-f]{16})-(?P<flags>[0-9a-f]{2})$")
_ZERO_TRACE = "0" * 32


def trace_id_from(traceparent: str | None) -> str | None:
    """The trace id carried by a `traceparent` header, or None when absent or malformed."""
    if not traceparent:
        return None
    match = _TRACEPARENT.match(traceparent.strip().lower())
    if match is None or match["trace_id"] == _ZERO_TRACE:
        return None
    return match["trace_id"]


def new_trace_id() -> str:
    return secrets.token_hex(16)


def make_traceparent(trace_id: str | None = None) -> str:
    """A sampled `traceparent` continuing `trace_id` (or starting a new trace) with a fresh span id."""
    return f"00-{trace_id or new_trace_id()}-{secrets.token_hex(8)}-01"
