"""Translation between table rows and domain objects; the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from billing.domain import (
    Account,
    EntryKind,
    FailureReason,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Money,
    OrderRecord,
)
from billing.store.tables import invoice_lines


def account_from_row(row: Mapping[Any, Any]) -> Account:
    return Account(
        customer_id=row["customer_id"],
        balance=Money(row["balance_minor"], row["currency"]),
        create_time=row["created_at"],
        update_time=row["updated_at"],
    )


def account_to_row(account: Account) -> dict[str, Any]:
    return {
        "customer_id": account.customer_id,
        "currency": account.currency,
        "balance_minor": account.balance.amount_minor,
        "created_at": account.create_time,
        "updated_at": account.update_time,
    }


def entry_from_row(row: Mapping[Any, Any]) -> LedgerEntry:
    return LedgerEntry(
        entry_id=row["entry_id"],
        customer_id=row["customer_id"],
        kind=EntryKind(row["kind"]),
        amount=Money(row["amount_minor"], row["currency"]),
        balance_after=Money(row["balance_after_minor"], row["currency"]),
        reference=row["reference"],
        create_time=row["created_at"],
    )


def entry_to_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "customer_id": entry.customer_id,
        "kind": entry.kind.value,
        "amount_minor": entry.amount.amount_minor,
        "currency": entry.amount.currency,
        "balance_after_minor": entry.balance_after.amount_minor,
        "reference": entry.reference,
        "created_at": entry.create_time,
    }


def order_from_row(row: Mapping[Any, Any]) -> OrderRecord:
    return OrderRecord(row["order_id"], row["customer_id"], row["created_at"], row["cancelled_at"])


def order_to_row(order: OrderRecord) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "created_at": order.create_time,
        "cancelled_at": order.cancel_time,
    }


def invoice_status_values(invoice: Invoice) -> dict[str, Any]:
    """The columns that change with the invoice's status."""
    return {
        "status": invoice.status.value,
        "failure_reason": invoice.failure_reason.value if invoice.failure_reason else None,
        "failure_detail": invoice.failure_detail,
        "updated_at": invoice.update_time,
        "paid_at": invoice.pay_time,
        "failed_at": invoice.fail_time,
        "refunded_at": invoice.refund_time,
    }


def invoice_to_rows(invoice: Invoice) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The invoices row and its line rows."""
    row: dict[str, Any] = {
        "invoice_id": invoice.invoice_id,
        "order_id": invoice.order_id,
        "customer_id": invoice.customer_id,
        "currency": invoice.subtotal.currency,
        "subtotal_minor": invoice.subtotal.amount_minor,
        "shipping_fee_minor": invoice.shipping_fee.amount_minor,
        "created_at": invoice.create_time,
        **invoice_status_values(invoice),
    }
    lines = [
        {
            "invoice_id": invoice.invoice_id,
            "line_no": n,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price.amount_minor,
        }
        for n, line in enumerate(invoice.lines)
    ]
    return row, lines


def invoice_from_rows(row: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]) -> Invoice:
    currency = row["currency"]
    reason = row["failure_reason"]
    return Invoice(
        invoice_id=row["invoice_id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        lines=tuple(
            InvoiceLine(line["sku"], line["quantity"], Money(line["unit_price_minor"], currency))
            for line in lines
        ),
        subtotal=Money(row["subtotal_minor"], currency),
        shipping_fee=Money(row["shipping_fee_minor"], currency),
        status=InvoiceStatus(row["status"]),
        create_time=row["created_at"],
        update_time=row["updated_at"],
        failure_reason=FailureReason(reason) if reason else None,
        failure_detail=row["failure_detail"],
        pay_time=row["paid_at"],
        fail_time=row["failed_at"],
        refund_time=row["refunded_at"],
    )


async def lines_by_invoice(
    db: AsyncSession | AsyncConnection, invoice_ids: Iterable[str]
) -> Mapping[str, list[RowMapping]]:
    """The lines of several invoices in one query, each list in billing order."""
    wanted = list(invoice_ids)
    found: dict[str, list[RowMapping]] = {invoice_id: [] for invoice_id in wanted}
    if not wanted:
        return found
    query = (
        select(invoice_lines)
        .where(invoice_lines.c.invoice_id.in_(wanted))
        .order_by(invoice_lines.c.invoice_id, invoice_lines.c.line_no)
    )
    for line in (await db.execute(query)).mappings():
        found[line["invoice_id"]].append(line)
    return found
