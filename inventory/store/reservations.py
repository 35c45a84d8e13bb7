"""Reservation repository: the unique order id decides every race between duplicates and cancellations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.domain import CancelledOrder, Reservation, ReservationStatus
from inventory.store.rows import lines_query, reservation_from_rows, reservation_to_rows
from inventory.store.tables import CANCELLED_BEFORE_RESERVING, reservation_lines, reservations
from inventory.use_cases import DuplicateOrderId


class SqlReservations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, order_id: str) -> Reservation | CancelledOrder | None:
        query = select(reservations).where(reservations.c.order_id == order_id)
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        if row["status"] == CANCELLED_BEFORE_RESERVING:
            return CancelledOrder(order_id, row["updated_at"])
        lines = (await self._session.execute(lines_query([order_id]))).mappings()
        return reservation_from_rows(row, list(lines))

    async def add(self, reservation: Reservation) -> None:
        row, lines = reservation_to_rows(reservation)
        await self._claim_order_id(row)
        await self._session.execute(insert(reservation_lines), lines)

    async def add_cancelled(self, order: CancelledOrder) -> None:
        blank = dict.fromkeys(("customer_id", "currency", "ship_name", "ship_line1", "ship_line2"), "")
        blank.update(ship_city="", ship_postal_code="", ship_country="")
        times = dict.fromkeys(("created_at", "updated_at", "expire_at"), order.cancel_time)
        row = {"order_id": order.order_id, "status": CANCELLED_BEFORE_RESERVING, **blank, **times}
        await self._claim_order_id(row)

    async def transition(
        self, order_id: str, *, old: ReservationStatus, new: ReservationStatus, now: datetime
    ) -> bool:
        statement = (
            update(reservations)
            .where(reservations.c.order_id == order_id, reservations.c.status == old.value)
            .values(status=new.value, updated_at=now)
            .returning(reservations.c.seq)
        )
        return (await self._session.execute(statement)).first() is not None

    async def _claim_order_id(self, row: dict[str, Any]) -> None:
        # On PostgreSQL a concurrent insert of the same order id waits for the first transaction and
        # then fails here; the caller re-reads what the winner committed.
        try:
            await self._session.execute(insert(reservations).values(row))
        except IntegrityError as error:
            raise DuplicateOrderId(row["order_id"]) from error
