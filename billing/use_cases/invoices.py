"""Invoice reads: one invoice by id or by order, and a customer's invoices newest first."""

from __future__ import annotations

from billing.domain import Invoice, InvoiceNotFound
from billing.use_cases.ports import Page, Queries
from billing.use_cases.requests import MAX_CUSTOMER_ID_LENGTH, Limits, Violations, check_uuid, page_size


async def get_invoice(queries: Queries, invoice_id: str) -> Invoice:
    check_uuid(invoice_id, "invoice_id")
    invoice = await queries.invoice(invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"id {invoice_id}")
    return invoice


async def get_invoice_by_order(queries: Queries, order_id: str) -> Invoice:
    check_uuid(order_id, "order_id")
    invoice = await queries.invoice_by_order(order_id)
    if invoice is None:
        raise InvoiceNotFound(f"order {order_id}")
    return invoice


async def list_invoices(
    queries: Queries, *, customer_id: str, size: int, before: int | None, limits: Limits
) -> Page[Invoice, int]:
    """Newest first, optionally one customer's; `before` continues after the previous page."""
    v = Violations()
    v.require(
        len(customer_id) <= MAX_CUSTOMER_ID_LENGTH,
        "customer_id",
        f"must be at most {MAX_CUSTOMER_ID_LENGTH} characters",
    )
    v.raise_if_any()
    return await queries.invoices(
        customer_id=customer_id or None, before=before, limit=page_size(size, limits)
    )
