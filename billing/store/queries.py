"""The read path: lookups and keyset-paged listings, each in one short read-only transaction.

Reads skip the unit of work (no outbox, no commit) and run on the engine they are given: the
composition root passes a read-only one, whose SQLite connections read beside the single writer.
The order lookup invoicing makes for every StockReserved runs on the event loop's own SQLite
connection (chassis.sqlite_lookups) when the engine is a SQLite file's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from billing.domain import Account, Invoice, OrderRecord
from billing.store.rows import account_from_row, invoice_from_rows, lines_by_invoice, order_from_row
from billing.store.tables import accounts, invoices, orders
from billing.use_cases import Page
from chassis.db import SQLITE_BEGIN_OPTION
from chassis.prepared import PreparedStatement
from chassis.sqlite_lookups import SqliteLookups

# Built once: invoicing reads the order on every StockReserved.
_ORDER = PreparedStatement(select(orders).where(orders.c.order_id == bindparam("b_order_id")))


class SqlQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        # DEFERRED also when handed the writer's engine: a SQLite read must not take the write lock.
        self._engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        self._lookups = SqliteLookups.for_engine(engine)

    def close(self) -> None:
        """Close the lookup connection (the engine is disposed by its owner)."""
        if self._lookups is not None:
            self._lookups.close()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection:
            yield connection

    async def account(self, customer_id: str) -> Account | None:
        async with self._reading() as db:
            query = select(accounts).where(accounts.c.customer_id == customer_id)
            row = (await db.execute(query)).mappings().first()
        return account_from_row(row) if row else None

    async def order(self, order_id: str) -> OrderRecord | None:
        values = {"b_order_id": order_id}
        found = self._lookups.execute(_ORDER, values) if self._lookups is not None else None
        if found is None:  # PostgreSQL, or SQLite could not answer at once
            async with self._reading() as db:
                found = await _ORDER.execute(db, values)
        row = found.first_mapping()
        return order_from_row(row) if row else None

    async def invoice(self, invoice_id: str) -> Invoice | None:
        return await self._one(invoices.c.invoice_id == invoice_id)

    async def invoice_by_order(self, order_id: str) -> Invoice | None:
        return await self._one(invoices.c.order_id == order_id)

    async def invoices(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Invoice, int]:
        query = select(invoices).order_by(invoices.c.seq.desc()).limit(limit + 1)
        if customer_id is not None:
            query = query.where(invoices.c.customer_id == customer_id)
        if before is not None:
            query = query.where(invoices.c.seq < before)
        async with self._reading() as db:
            rows = (await db.execute(query)).mappings().all()
            lines = await lines_by_invoice(db, [row["invoice_id"] for row in rows[:limit]])
        page = [invoice_from_rows(row, lines[row["invoice_id"]]) for row in rows[:limit]]
        return Page(page, rows[limit - 1]["seq"] if len(rows) > limit else None)

    async def _one(self, condition: ColumnElement[bool]) -> Invoice | None:
        async with self._reading() as db:
            row = (await db.execute(select(invoices).where(condition))).mappings().first()
            if row is None:
                return None
            lines = await lines_by_invoice(db, [row["invoice_id"]])
        return invoice_from_rows(row, lines[row["invoice_id"]])
