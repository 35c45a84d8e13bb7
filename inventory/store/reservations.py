"""Reservation repository: the unique order id decides every race between duplicates and cancellations."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.prepared import PreparedStatement
from chassis.sql_inserts import insert_unless_present
from inventory.domain import CancelledOrder, Reservation, ReservationStatus
from inventory.store.rows import lines_query, reservation_from_rows, reservation_to_rows
from inventory.store.tables import CANCELLED_BEFORE_RESERVING, reservation_lines, reservations
from inventory.use_cases import DuplicateOrderId

_r = reservations.c
# Built once: building a statement cost about as much CPU as executing it.
_FIND = PreparedStatement(select(reservations).where(_r.order_id == bindparam("b_order_id")))
_INSERT_LINES = PreparedStatement(insert(reservation_lines))
_TRANSITION = PreparedStatement(
    update(reservations)
    .where(_r.order_id == bindparam("b_order_id"), _r.status == bindparam("b_old"))
    .values(status=bindparam("b_new"), updated_at=bindparam("b_now"))
    .returning(_r.seq)
)


@functools.cache
def _claim_statement(dialect: str) -> PreparedStatement:
    """Insert the order's row unless its order id is taken; returns `seq` only when it inserted.

    A taken order id answers no row instead of raising: on PostgreSQL an integrity error would
    abort the transaction and log an error for every retried request.
    """
    return PreparedStatement(
        insert_unless_present(reservations, dialect, conflict_on=[_r.order_id]).returning(_r.seq)
    )


class SqlReservations:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def find(self, order_id: str) -> Reservation | CancelledOrder | None:
        row = (await _FIND.execute(self._db, {"b_order_id": order_id})).first_mapping()
        if row is None:
            return None
        if row["status"] == CANCELLED_BEFORE_RESERVING:
            return CancelledOrder(order_id, row["updated_at"])
        lines = (await self._db.execute(lines_query([order_id]))).mappings()
        return reservation_from_rows(row, list(lines))

    async def add(self, reservation: Reservation) -> None:
        row, lines = reservation_to_rows(reservation)
        await self._claim_order_id(row)
        await _INSERT_LINES.execute_many(self._db, lines)

    async def add_cancelled(self, order: CancelledOrder) -> None:
        blank = dict.fromkeys(("customer_id", "currency", "ship_name", "ship_line1", "ship_line2"), "")
        blank.update(ship_city="", ship_postal_code="", ship_country="")
        times = dict.fromkeys(("created_at", "updated_at", "expire_at"), order.cancel_time)
        row = {"order_id": order.order_id, "status": CANCELLED_BEFORE_RESERVING, **blank, **times}
        await self._claim_order_id(row)

    async def transition(
        self, order_id: str, *, old: ReservationStatus, new: ReservationStatus, now: datetime
    ) -> bool:
        parameters = {"b_order_id": order_id, "b_old": old.value, "b_new": new.value, "b_now": now}
        return (await _TRANSITION.execute(self._db, parameters)).first() is not None

    async def _claim_order_id(self, row: dict[str, Any]) -> None:
        # On PostgreSQL a concurrent insert of the same order id waits for the first transaction and
        # then inserts nothing here; the caller re-reads what the winner committed.
        claimed = (await _claim_statement(self._db.dialect.name).execute(self._db, row)).first()
        if claimed is None:
            raise DuplicateOrderId(row["order_id"])
