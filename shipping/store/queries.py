"""The read path: lookups and keyset-paged listings, each in one short read-only transaction.

Reads skip the unit of work (no session, no outbox, no commit) and use a Core connection that starts
a plain, non-locking read transaction; watchers re-read through here on every wake-up.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import SQLITE_BEGIN_OPTION
from shipping.domain import Shipment, ShipmentStatus
from shipping.store.rows import load_shipments
from shipping.store.tables import shipments
from shipping.use_cases import Page


class SqlQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        # DEFERRED: on SQLite a reader must not take the write lock that writers queue for.
        self._engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})

    async def shipment(self, shipment_id: str) -> Shipment | None:
        return await self._one(shipments.c.shipment_id == shipment_id)

    async def shipment_for_order(self, order_id: str) -> Shipment | None:
        return await self._one(shipments.c.order_id == order_id)

    async def shipments(
        self, *, status: ShipmentStatus | None, customer_id: str | None, after: int | None, limit: int
    ) -> Page[Shipment, int]:
        query = select(shipments).order_by(shipments.c.seq).limit(limit + 1)
        if status is not None:
            query = query.where(shipments.c.status == status.value)
        if customer_id is not None:
            query = query.where(shipments.c.customer_id == customer_id)
        if after is not None:
            query = query.where(shipments.c.seq > after)
        async with self._engine.connect() as db:
            rows = (await db.execute(query)).mappings().all()
            page = await load_shipments(db, rows[:limit])
        return Page(page, rows[limit - 1]["seq"] if len(rows) > limit else None)

    async def _one(self, condition: ColumnElement[bool]) -> Shipment | None:
        async with self._engine.connect() as db:
            row = (await db.execute(select(shipments).where(condition))).mappings().first()
            if row is None:
                return None
            return (await load_shipments(db, [row]))[0]
