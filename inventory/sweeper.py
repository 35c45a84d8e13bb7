"""The reservation expiry sweep as a background task: every few seconds, one `sweep_expired` and its logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from chassis.logs import bind_log_context
from chassis.tracing import new_trace_id
from inventory.use_cases import (
    Expiry,
    ExpiryResult,
    OrderCancellations,
    SweepPolicy,
    UnitOfWork,
    sweep_expired,
)

logger = logging.getLogger(__name__)


class ExpirySweeper:
    """Runs until cancelled (the runtime cancels its background tasks at shutdown)."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        shipping: OrderCancellations,
        *,
        policy: SweepPolicy,
        interval_seconds: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._shipping = shipping
        self._policy = policy
        self._interval = interval_seconds
        self._now = clock or (lambda: datetime.now(UTC))

    async def run(self) -> None:
        while True:
            await self.sweep()
            await asyncio.sleep(self._interval)

    async def sweep(self) -> list[ExpiryResult]:
        """One pass; a failure is logged and the next pass tries again, so the service keeps serving."""
        # One trace per pass: its CancelOrder calls show up together in shipping's logs.
        with bind_log_context(trace_id=new_trace_id()):
            try:
                results = await sweep_expired(
                    self._unit_of_work(), self._shipping, policy=self._policy, now=self._now()
                )
            except Exception:
                logger.exception("expiry sweep failed; the next one retries in %.1fs", self._interval)
                return []
            _log(results)
        return results


def _log(results: list[ExpiryResult]) -> None:
    deferred = [result for result in results if result.outcome is Expiry.DEFERRED]
    for result in results:
        if result.outcome is Expiry.DEFERRED:
            continue
        reservation = result.reservation
        fields = {"outcome": result.outcome.value, "expire_time": reservation.expire_time.isoformat()}
        with bind_log_context(order_id=reservation.order_id):
            if result.outcome is Expiry.CANCEL_REQUESTED:
                logger.info("reservation expired unpaid; shipping cancels the order", extra=fields)
            else:
                logger.info("expired order stays: %s", result.detail, extra=fields)
    if deferred:
        # One line per pass, not one per order: shipping being down is one fact.
        logger.warning(
            "%d expired orders wait for the next sweep: %s",
            len(deferred),
            deferred[0].detail,
            extra={"outcome": Expiry.DEFERRED.value, "deferred": len(deferred)},
        )
