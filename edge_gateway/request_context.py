"""Per-request context: request id, W3C trace context and deadline, as carried to every backend call."""

import os
import re
from collections.abc import Mapping
from time import monotonic
from typing import Any

# Where the middleware keeps the context in the ASGI scope of each request.
SCOPE_KEY = "mercado.request_context"

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
# W3C Trace Context level 1, version 00; any other version or an all-zero id starts a new trace.
_TRACEPARENT = re.compile(rb"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = b"0" * 16


class RequestContext:
    """What every outbound call of one request carries: ids for correlation and the deadline."""

    __slots__ = ("deadline", "metadata", "request_id", "trace_id", "traceparent")

    def __init__(self, request_id: str, trace_id: str, flags: str, deadline: float) -> None:
        self.request_id = request_id
        self.trace_id = trace_id
        # The edge is a span of its own: the parent id sent downstream is new, the trace id is kept.
        self.traceparent = f"00-{trace_id}-{os.urandom(8).hex()}-{flags}"
        self.deadline = deadline
        self.metadata = (("x-request-id", request_id), ("traceparent", self.traceparent))

    def remaining(self) -> float:
        """Seconds left of the request's budget; zero or less once it is spent."""
        return self.deadline - monotonic()

    def renewed(self, budget: float) -> "RequestContext":
        """The same request and trace with a fresh budget: one round of a long-lived request."""
        flags = self.traceparent.rsplit("-", 1)[1]
        return RequestContext(self.request_id, self.trace_id, flags, monotonic() + budget)

    @classmethod
    def start(cls, request_id: bytes | None, traceparent: bytes | None, budget: float) -> "RequestContext":
        """Adopt the caller's ids when they are well formed, else create fresh ones."""
        deadline = monotonic() + budget
        rid = request_id.decode() if request_id and _REQUEST_ID.match(request_id) else os.urandom(16).hex()
        match = _TRACEPARENT.match(traceparent) if traceparent else None
        if match is not None and match[2] != _ZERO_SPAN:
            trace_id, flags = match[1].decode(), match[3].decode()
            if trace_id != _ZERO_TRACE:
                return cls(rid, trace_id, flags, deadline)
        return cls(rid, os.urandom(16).hex(), "01", deadline)


def context_of(scope: Mapping[str, Any]) -> RequestContext:
    """The context the middleware stored in this request's ASGI scope."""
    ctx = scope.get(SCOPE_KEY)
    if not isinstance(ctx, RequestContext):
        raise LookupError("RequestContextMiddleware is not installed")
    return ctx
