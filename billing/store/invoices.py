"""Order and invoice repositories: unique order ids decide every race between invoicing and cancelling."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.domain import Invoice, InvoiceStatus, OrderRecord
from billing.store.rows import (
    invoice_from_rows,
    invoice_status_values,
    invoice_to_rows,
    lines_by_invoice,
    order_from_row,
    order_to_row,
)
from billing.store.tables import invoice_lines, invoices, orders
from billing.use_cases import DuplicateEntry
from chassis.prepared import PreparedStatement
from chassis.sql_inserts import insert_unless_present

# Built once: building a statement cost about as much CPU as executing it.
_FIND_ORDER = PreparedStatement(select(orders).where(orders.c.order_id == bindparam("b_order_id")))
_INSERT_ORDER = PreparedStatement(insert(orders))
_BY_ORDER = PreparedStatement(select(invoices).where(invoices.c.order_id == bindparam("b_order_id")))
_INSERT_INVOICE = PreparedStatement(insert(invoices))
_INSERT_LINES = PreparedStatement(insert(invoice_lines))


@functools.cache
def _insert_order_if_new(dialect: str) -> PreparedStatement:
    return PreparedStatement(insert_unless_present(orders, dialect).returning(orders.c.order_id))


class SqlOrders:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def find(self, order_id: str) -> OrderRecord | None:
        row = (await _FIND_ORDER.execute(self._db, {"b_order_id": order_id})).first_mapping()
        return order_from_row(row) if row else None

    async def add(self, order: OrderRecord) -> None:
        try:
            await _INSERT_ORDER.execute(self._db, order_to_row(order))
        except IntegrityError as error:
            raise DuplicateEntry(order.order_id) from error

    async def add_if_new(self, order: OrderRecord) -> OrderRecord | None:
        # A concurrent insert of the same order waits for the first transaction, then does nothing;
        # RETURNING tells whether this one noted it.
        statement = _insert_order_if_new(self._db.dialect.name)
        if (await statement.execute(self._db, order_to_row(order))).first() is not None:
            return None
        return await self.find(order.order_id)

    async def mark_cancelled(self, order_id: str, *, now: datetime) -> bool:
        statement = (
            update(orders)
            .where(orders.c.order_id == order_id, orders.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
            .returning(orders.c.order_id)
        )
        return (await self._db.execute(statement)).first() is not None


class SqlInvoices:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def by_order(self, order_id: str) -> Invoice | None:
        row = (await _BY_ORDER.execute(self._db, {"b_order_id": order_id})).first_mapping()
        if row is None:
            return None
        lines = await lines_by_invoice(self._db, [row["invoice_id"]])
        return invoice_from_rows(row, lines[row["invoice_id"]])

    async def add(self, invoice: Invoice) -> None:
        row, lines = invoice_to_rows(invoice)
        try:
            await _INSERT_INVOICE.execute(self._db, row)
        except IntegrityError as error:
            raise DuplicateEntry(invoice.order_id) from error
        await _INSERT_LINES.execute_many(self._db, lines)

    async def update(self, invoice: Invoice, *, was: InvoiceStatus) -> bool:
        statement = (
            update(invoices)
            .where(invoices.c.invoice_id == invoice.invoice_id, invoices.c.status == was.value)
            .values(**invoice_status_values(invoice))
            .returning(invoices.c.seq)
        )
        return (await self._db.execute(statement)).first() is not None
