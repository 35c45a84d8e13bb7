"""Order repository: the per-order row both shipment creation and cancellation lock before acting."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.prepared import PreparedStatement
from chassis.sql_inserts import insert_unless_present
from shipping.domain import Cancellation, CancellationReason
from shipping.store.tables import orders
from shipping.use_cases import LockedOrder

_o = orders.c
# Built once: building a statement cost about as much CPU as executing it.
_LOCKED_ROW = PreparedStatement(
    select(orders).where(_o.order_id == bindparam("b_order_id")).with_for_update()
)


@functools.cache
def _insert_if_new(dialect: str) -> PreparedStatement:
    # A concurrent insert of the same order waits for the first transaction, then does nothing.
    # RETURNING tells whether this transaction created the row.
    return PreparedStatement(insert_unless_present(orders, dialect).returning(_o.order_id))


class SqlOrders:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def lock(self, order_id: str, customer_id: str) -> LockedOrder:
        values = {"order_id": order_id, "customer_id": customer_id, "created_at": datetime.now(UTC)}
        created = (await _insert_if_new(self._db.dialect.name).execute(self._db, values)).first()
        if created is not None:
            # A row this transaction created is locked by it and holds no cancellation yet.
            return LockedOrder(created=True, cancellation=None)
        # FOR UPDATE holds the row until commit on PostgreSQL; SQLite has no row locks, but its
        # transactions begin IMMEDIATE, so writers are serialised anyway.
        row = (await _LOCKED_ROW.execute(self._db, {"b_order_id": order_id})).one_mapping()
        if row["cancel_reason"] is None:
            return LockedOrder(created=False, cancellation=None)
        reason = CancellationReason(row["cancel_reason"])
        cancellation = Cancellation(order_id, row["customer_id"], reason, row["cancel_time"])
        return LockedOrder(created=False, cancellation=cancellation)

    async def cancel(self, cancellation: Cancellation) -> None:
        statement = (
            update(orders)
            .where(orders.c.order_id == cancellation.order_id, orders.c.cancel_reason.is_(None))
            .values(
                customer_id=cancellation.customer_id,
                cancel_reason=cancellation.reason.value,
                cancel_time=cancellation.cancel_time,
            )
        )
        await self._db.execute(statement)
