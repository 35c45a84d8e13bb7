"""Expiry bookkeeping on the reservations table: paid marks, and the sweep's claims on expired orders."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.prepared import PreparedStatement
from inventory.store.tables import AWAITING_PAYMENT, CANCELLED_BEFORE_RESERVING, reservations
from inventory.use_cases.ports import ExpiredReservation

_r = reservations.c


_MARK_PAID = PreparedStatement(
    update(reservations)
    .where(
        _r.order_id == bindparam("b_order_id"),
        _r.status != CANCELLED_BEFORE_RESERVING,
        _r.paid_at.is_(None),
    )
    .values(paid_at=bindparam("b_now"))
    .returning(_r.seq)
)


class SqlExpiry:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def mark_paid(self, order_id: str, *, now: datetime) -> bool:
        parameters = {"b_order_id": order_id, "b_now": now}
        return (await _MARK_PAID.execute(self._db, parameters)).first() is not None

    async def claim_expired(
        self, *, now: datetime, asked_before: datetime, limit: int
    ) -> list[ExpiredReservation]:
        due = _due(now, asked_before)
        # SKIP LOCKED (PostgreSQL; SQLite has one writer anyway) lets a second replica claim other rows
        # instead of waiting; the repeated `due` on the UPDATE re-checks each row once it is locked.
        batch = (
            select(_r.seq).where(due).order_by(_r.expire_at).limit(limit).with_for_update(skip_locked=True)
        )
        statement = (
            update(reservations)
            .where(_r.seq.in_(batch.scalar_subquery()), due)
            .values(expiry_requested_at=now)
            .returning(_r.order_id, _r.customer_id, _r.expire_at)
        )
        rows = (await self._db.execute(statement)).all()
        claimed = [ExpiredReservation(row.order_id, row.customer_id, row.expire_at) for row in rows]
        # RETURNING follows no ORDER BY; the oldest expiry is asked first.
        return sorted(claimed, key=lambda reservation: reservation.expire_time)

    async def release_claims(self, order_ids: Collection[str], *, claimed_at: datetime) -> None:
        if not order_ids:
            return
        statement = (
            update(reservations)
            .where(_r.order_id.in_(list(order_ids)), _r.expiry_requested_at == claimed_at)
            .values(expiry_requested_at=None)
        )
        await self._db.execute(statement)


def _due(now: datetime, asked_before: datetime) -> ColumnElement[bool]:
    # The partial index's own predicate, word for word, so both databases see that it applies.
    return and_(
        AWAITING_PAYMENT,
        _r.expire_at <= now,
        or_(_r.expiry_requested_at.is_(None), _r.expiry_requested_at <= asked_before),
    )
