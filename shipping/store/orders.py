"""Order repository: the per-order row both shipment creation and cancellation lock before acting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shipping.domain import Cancellation, CancellationReason
from shipping.store.tables import orders


class SqlOrders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, order_id: str, customer_id: str) -> Cancellation | None:
        await self._session.execute(self._insert_if_new(order_id, customer_id))
        # FOR UPDATE holds the row until commit on PostgreSQL; SQLite has no row locks, but its
        # transactions begin IMMEDIATE, so writers are serialised anyway.
        query = select(orders).where(orders.c.order_id == order_id).with_for_update()
        row = (await self._session.execute(query)).mappings().one()
        if row["cancel_reason"] is None:
            return None
        reason = CancellationReason(row["cancel_reason"])
        return Cancellation(order_id, row["customer_id"], reason, row["cancel_time"])

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
        await self._session.execute(statement)

    def _insert_if_new(self, order_id: str, customer_id: str) -> Any:
        # A concurrent insert of the same order waits for the first transaction, then does nothing.
        values = {"order_id": order_id, "customer_id": customer_id, "created_at": datetime.now(UTC)}
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(orders).values(values).on_conflict_do_nothing()
        if dialect == "sqlite":
            return sqlite.insert(orders).values(values).on_conflict_do_nothing()
        raise NotImplementedError(f"order locking is not implemented for {dialect}")
