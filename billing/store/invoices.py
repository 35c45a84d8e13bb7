"""Order and invoice repositories: unique order ids decide every race between invoicing and cancelling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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


class SqlOrders:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, order_id: str) -> OrderRecord | None:
        query = select(orders).where(orders.c.order_id == order_id)
        row = (await self._session.execute(query)).mappings().first()
        return order_from_row(row) if row else None

    async def add(self, order: OrderRecord) -> None:
        try:
            await self._session.execute(insert(orders).values(order_to_row(order)))
        except IntegrityError as error:
            raise DuplicateEntry(order.order_id) from error

    async def mark_cancelled(self, order_id: str, *, now: datetime) -> bool:
        statement = (
            update(orders)
            .where(orders.c.order_id == order_id, orders.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
            .returning(orders.c.order_id)
        )
        return (await self._session.execute(statement)).first() is not None


class SqlInvoices:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_order(self, order_id: str) -> Invoice | None:
        query = select(invoices).where(invoices.c.order_id == order_id)
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        lines = await lines_by_invoice(self._session, [row["invoice_id"]])
        return invoice_from_rows(row, lines[row["invoice_id"]])

    async def add(self, invoice: Invoice) -> None:
        row, lines = invoice_to_rows(invoice)
        try:
            await self._session.execute(insert(invoices).values(row))
        except IntegrityError as error:
            raise DuplicateEntry(invoice.order_id) from error
        await self._session.execute(insert(invoice_lines), lines)

    async def update(self, invoice: Invoice, *, was: InvoiceStatus) -> bool:
        statement = (
            update(invoices)
            .where(invoices.c.invoice_id == invoice.invoice_id, invoices.c.status == was.value)
            .values(**invoice_status_values(invoice))
            .returning(invoices.c.seq)
        )
        return (await self._session.execute(statement)).first() is not None
