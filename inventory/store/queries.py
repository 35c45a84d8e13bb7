"""The read path: lookups and keyset-paged listings, without the unit of work.

GetItem is the hottest call of the system, so reads take no session, stage no outbox rows and never
commit; `readers` decides how a read reaches the database. Every read is one statement, or reads
rows that never change once committed (reservation lines), so none needs a multi-statement snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.domain import Item, Reservation
from inventory.store.readers import reader_for
from inventory.store.rows import item_from_row, lines_by_order, lines_query, reservation_from_rows
from inventory.store.tables import CANCELLED_BEFORE_RESERVING, items, reservations
from inventory.use_cases import Page

# Built once: the reader prepares it once, so the hot lookup skips compiling and cache-key generation.
_ITEM_BY_SKU = select(items).where(items.c.sku == bindparam("sku"))


class SqlQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._reader = reader_for(engine)

    def close(self) -> None:
        self._reader.close()

    async def item(self, sku: str) -> Item | None:
        row = await self._reader.lookup(_ITEM_BY_SKU, {"sku": sku})
        return item_from_row(row) if row else None

    async def items(self, *, after: str | None, limit: int) -> Page[Item, str]:
        query = select(items).order_by(items.c.sku).limit(limit + 1)
        if after is not None:
            query = query.where(items.c.sku > after)

        def read(db: Connection) -> Page[Item, str]:
            page = [item_from_row(row) for row in db.execute(query).mappings()]
            more = len(page) > limit
            return Page(page[:limit], page[limit - 1].sku if more else None)

        return await self._reader.run(read)

    async def reservation(self, order_id: str) -> Reservation | None:
        query = _visible().where(reservations.c.order_id == order_id)
        found, _ = await self._reader.run(lambda db: _read_reservations(db, query, 1))
        return found[0][0] if found else None

    async def reservations(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Reservation, int]:
        query = _visible().order_by(reservations.c.seq.desc()).limit(limit + 1)
        if customer_id is not None:
            query = query.where(reservations.c.customer_id == customer_id)
        if before is not None:
            query = query.where(reservations.c.seq < before)
        found, more = await self._reader.run(lambda db: _read_reservations(db, query, limit))
        return Page([reservation for reservation, _ in found], found[-1][1] if more else None)


def _visible() -> Select[Any]:
    # Tombstones of orders cancelled before they reserved are bookkeeping, not reservations.
    return select(reservations).where(reservations.c.status != CANCELLED_BEFORE_RESERVING)


def _read_reservations(
    db: Connection, query: Select[Any], limit: int
) -> tuple[list[tuple[Reservation, int]], bool]:
    """Up to `limit` reservations with their lines and `seq` (the keyset position); and whether more exist."""
    rows = list(db.execute(query).mappings())
    page = rows[:limit]
    order_ids = [row["order_id"] for row in page]
    lines = lines_by_order(order_ids, db.execute(lines_query(order_ids)).mappings() if page else [])
    found = [(reservation_from_rows(row, lines[row["order_id"]]), row["seq"]) for row in page]
    return found, len(rows) > limit
