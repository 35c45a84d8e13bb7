"""Reservation expiry: remember paid orders, and ask shipping to cancel expired unpaid ones.

The inventory hears of a payment outcome through PaymentFailed (which releases the reservation) or
PaymentCaptured (recorded here). A reservation still RESERVED and unpaid after its expire time is
cancelled through shipping, the arbiter of cancellation, so that a late charge is refunded too; the
release itself then arrives as OrderCancelled, like any other cancellation.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from inventory.domain import Reservation, ReservationNotFound
from inventory.use_cases.ports import (
    CancellationRefused,
    ExpiredReservation,
    OrderCancellations,
    ShippingUnavailable,
    UnitOfWork,
)
from inventory.use_cases.settlement import Delivery, Outcome


async def record_payment(uow: UnitOfWork, order_id: str, *, delivery: Delivery, now: datetime) -> Outcome:
    """PaymentCaptured: the order is paid, so its reservation no longer expires."""
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        if await uow.expiry.mark_paid(order_id, now=now):
            await uow.commit()
            return Outcome.APPLIED
        # Billing only charges orders it learnt of from this inventory's StockReserved.
        if not isinstance(await uow.reservations.find(order_id), Reservation):
            raise ReservationNotFound(order_id)
        await uow.commit()
    return Outcome.UNCHANGED


class Expiry(enum.Enum):
    CANCEL_REQUESTED = "cancel_requested"  # shipping accepted; OrderCancelled will release the stock
    REFUSED = "refused"  # shipping refused: the order was dispatched already
    DEFERRED = "deferred"  # shipping could not be asked; the next sweep asks again


@dataclass(frozen=True)
class SweepPolicy:
    """How much one sweep does, and how long an asked order waits before it is asked again."""

    batch_size: int
    ask_again_after: timedelta


@dataclass(frozen=True)
class ExpiryResult:
    reservation: ExpiredReservation
    outcome: Expiry
    detail: str = ""  # why shipping refused or could not be asked


async def sweep_expired(
    uow: UnitOfWork, shipping: OrderCancellations, *, policy: SweepPolicy, now: datetime
) -> list[ExpiryResult]:
    """Claim a batch of expired unpaid reservations and ask shipping to cancel each of their orders.

    The claim is committed before shipping is asked: a crash in between leaves the order to be asked
    again after `ask_again_after`, never lost; when shipping is unreachable the rest of the batch is
    unclaimed at once, so the next sweep retries it.
    """
    async with uow:
        due = await uow.expiry.claim_expired(
            now=now, asked_before=now - policy.ask_again_after, limit=policy.batch_size
        )
        await uow.commit()
    results: list[ExpiryResult] = []
    for position, reservation in enumerate(due):
        try:
            await shipping.cancel_expired(reservation.order_id, reservation.customer_id)
        except CancellationRefused as refusal:
            results.append(ExpiryResult(reservation, Expiry.REFUSED, str(refusal)))
        except ShippingUnavailable as failure:
            # The rest of the batch would only wait for the same failure, deadline after deadline.
            results.extend(await _defer(uow, due[position:], now, str(failure)))
            break
        else:
            results.append(ExpiryResult(reservation, Expiry.CANCEL_REQUESTED))
    return results


async def _defer(
    uow: UnitOfWork, rest: Sequence[ExpiredReservation], now: datetime, why: str
) -> list[ExpiryResult]:
    async with uow:
        await uow.expiry.release_claims([r.order_id for r in rest], claimed_at=now)
        await uow.commit()
    return [ExpiryResult(reservation, Expiry.DEFERRED, why) for reservation in rest]
