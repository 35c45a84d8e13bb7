"""Settling reservations when the saga moves on: release on failure or cancellation, commit on dispatch.

Each use case handles one consumed event: it claims the event in the inbox and applies its effect in
the same transaction, so a redelivered event changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from inventory.domain import (
    CancelledOrder,
    ReleaseReason,
    Reservation,
    ReservationCommitted,
    ReservationNotFound,
    ReservationNotReserved,
    ReservationReleased,
    ReservationStatus,
)
from inventory.use_cases.ports import DuplicateOrderId, UnitOfWork


class Outcome(enum.Enum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # the reservation was already past this step
    DUPLICATE = "duplicate"  # this event was handled before
    REMEMBERED = "remembered"  # cancellation stored for an order that has not reserved yet


@dataclass(frozen=True)
class Delivery:
    """Identifies one consumed event for the inbox: who consumed it and its event id."""

    consumer: str
    event_id: str


async def release_on_payment_failure(
    uow: UnitOfWork, order_id: str, *, delivery: Delivery, now: datetime
) -> Outcome:
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        released = await _release(uow, order_id, ReleaseReason.PAYMENT_FAILED, now)
        await uow.commit()
    return Outcome.APPLIED if released else Outcome.UNCHANGED


async def cancel_order(uow: UnitOfWork, order_id: str, *, delivery: Delivery, now: datetime) -> Outcome:
    """Release a still reserved order; remember a cancellation that arrives before the reservation."""
    try:
        return await _cancel(uow, order_id, delivery, now)
    except DuplicateOrderId:
        # ReserveStock stored the order between our read and our write; now there is something to release.
        return await _cancel(uow, order_id, delivery, now)


async def _cancel(uow: UnitOfWork, order_id: str, delivery: Delivery, now: datetime) -> Outcome:
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        outcome = Outcome.UNCHANGED
        if await _release(uow, order_id, ReleaseReason.ORDER_CANCELLED, now):
            outcome = Outcome.APPLIED
        elif await uow.reservations.find(order_id) is None:
            await uow.reservations.add_cancelled(CancelledOrder(order_id, now))
            outcome = Outcome.REMEMBERED
        await uow.commit()
    return outcome


async def commit_on_dispatch(uow: UnitOfWork, order_id: str, *, delivery: Delivery, now: datetime) -> Outcome:
    """The units left the warehouse: remove them from on_hand and reserved, exactly once."""
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        moved = await uow.reservations.transition(
            order_id, old=ReservationStatus.RESERVED, new=ReservationStatus.COMMITTED, now=now
        )
        reservation = await _reservation(uow, order_id)
        if not moved:
            if reservation.status is not ReservationStatus.COMMITTED:
                raise ReservationNotReserved(order_id, reservation.status)
            await uow.commit()
            return Outcome.UNCHANGED
        for line in sorted(reservation.lines, key=lambda line: line.sku):
            await uow.items.ship(line.sku, line.quantity, now=now)
            await uow.items.record_movement(line.sku, -line.quantity, f"dispatched order {order_id}", now=now)
        uow.emit(ReservationCommitted(reservation, now))
        await uow.commit()
    return Outcome.APPLIED


async def _release(uow: UnitOfWork, order_id: str, reason: ReleaseReason, now: datetime) -> bool:
    """Release a RESERVED reservation; False (and no change) in any other state or if there is none."""
    moved = await uow.reservations.transition(
        order_id, old=ReservationStatus.RESERVED, new=ReservationStatus.RELEASED, now=now
    )
    if not moved:
        return False
    reservation = await _reservation(uow, order_id)
    for line in sorted(reservation.lines, key=lambda line: line.sku):
        await uow.items.unhold(line.sku, line.quantity, now=now)
    uow.emit(ReservationReleased(reservation, reason, now))
    return True


async def _reservation(uow: UnitOfWork, order_id: str) -> Reservation:
    found = await uow.reservations.find(order_id)
    if not isinstance(found, Reservation):
        raise ReservationNotFound(order_id)
    return found
