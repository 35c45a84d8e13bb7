"""Server-sent events of one order's composed status: the current one, then each change, until final.

The stream polls the same composition GET /v1/orders/{id} serves, every `poll_seconds`. Shipping's
WatchShipment was the alternative, but it covers one part only and only once a shipment exists
(payment, failure and a cancellation before shipment are seen elsewhere); polling sees every part,
holds no backend stream per watcher, works with any number of service replicas and shares the
degraded handling. The cost is one composition (three unary calls) per interval and watcher, and a
change shows within one interval.

A status can last less than one interval (paid, dispatched and delivered in quick succession). On
the way to delivery every status implies the ones before it: nothing is shipped before it awaited
shipment, nothing delivered before it was shipped. So when a poll lands further along that way than
the last status sent, the statuses in between are sent first, in order, each carrying the order as
that poll read it. A cancellation or a failed payment implies nothing about what came before it, so
the stream sends those as it sees them.

Each poll gets a budget of its own, so the request's deadline never ends the stream. A poll that
fails, or misses a part (degraded), is skipped rather than reported: its status may be a guess, so
it neither counts as a change nor ends the stream (only the first event, the current status, is
sent whatever answered). The stream ends after a final status (DELIVERED, CANCELLED,
PAYMENT_FAILED), after `max_seconds`, or when the client leaves (EventStreamResponse cancels it).
A comment line every `heartbeat_seconds` of silence keeps proxies from closing an idle stream.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from time import monotonic

import orjson

from edge_gateway.composition import ComposedOrder, order_json
from edge_gateway.errors import BackendError
from edge_gateway.order_status import FINAL_STATUSES, passed_over
from edge_gateway.schemas.orders import OrderStatus

logger = logging.getLogger(__name__)

HEARTBEAT = b": keep-alive\n\n"


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How often to poll, how long a stream may last and how long it may stay silent."""

    poll_seconds: float
    max_seconds: float
    heartbeat_seconds: float


def status_event(order: ComposedOrder, status: OrderStatus | None = None) -> bytes:
    """One `status` event whose data is the composed order (orjson writes it on one line).

    `status` names a status the order passed through before it was read (see the module docstring).
    """
    body = order_json(order)
    if status is not None:
        body["status"] = status.value
    return b"event: status\ndata: " + orjson.dumps(body) + b"\n\n"


class OrderEventStream:
    """The events of one client's stream; `events()` is consumed once."""

    def __init__(
        self,
        first: ComposedOrder,
        compose: Callable[[], Awaitable[ComposedOrder]],
        limits: StreamLimits,
    ) -> None:
        self._last = first
        self._compose = compose
        self._limits = limits
        self._order_id = first.reservation.order_id
        self._sent = 0
        self.outcome = "client_gone"

    async def events(self) -> AsyncIterator[bytes]:
        """The current status, then each change; ends as the module docstring says."""
        try:
            yield self._emit(self._last)
            if self._last.status in FINAL_STATUSES and not self._last.degraded:
                self.outcome = "final"
                return
            async for chunk in self._changes():
                yield chunk
        finally:
            fields = {"order_id": self._order_id, "outcome": self.outcome, "events": self._sent}
            logger.info("order event stream closed", extra=fields)

    async def _changes(self) -> AsyncIterator[bytes]:
        started = quiet_since = monotonic()
        while True:
            await asyncio.sleep(self._limits.poll_seconds)
            if monotonic() - started >= self._limits.max_seconds:
                self.outcome = "max_duration"
                return
            current = await self._poll()
            if current is None:
                return
            if not current.degraded and current.status is not self._last.status:
                for status in passed_over(self._last.status, current.status):
                    self._sent += 1
                    yield status_event(current, status)
                yield self._emit(current)
                quiet_since = monotonic()
                if current.status in FINAL_STATUSES:
                    self.outcome = "final"
                    return
            elif monotonic() - quiet_since >= self._limits.heartbeat_seconds:
                yield HEARTBEAT
                quiet_since = monotonic()

    async def _poll(self) -> ComposedOrder | None:
        """The order now; on a failed poll the last known one (skipped as unchanged), None to stop."""
        try:
            return await self._compose()
        except BackendError as exc:
            logger.debug("order event poll failed", extra={"order_id": self._order_id, "code": exc.code})
            return self._last
        except Exception:
            # A bug, not an outage: the stream cannot say anything true any more, so it ends.
            logger.exception("order event poll broke", extra={"order_id": self._order_id})
            self.outcome = "error"
            return None

    def _emit(self, order: ComposedOrder) -> bytes:
        self._last = order
        self._sent += 1
        return status_event(order)
