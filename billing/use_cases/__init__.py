"""Billing's application layer: one async function per operation, over the ports in `ports`."""

from billing.use_cases.accounts import TopUpResult, get_account, top_up_account
from billing.use_cases.cancellations import cancel_order
from billing.use_cases.invoices import get_invoice, get_invoice_by_order, list_invoices
from billing.use_cases.invoicing import invoice_order
from billing.use_cases.outcomes import Delivery, Outcome
from billing.use_cases.ports import (
    DuplicateEntry,
    Page,
    PaymentGateway,
    Queries,
    ShippingQuotes,
    ShippingUnavailable,
    UnitOfWork,
)
from billing.use_cases.prepaid import PrepaidBalance
from billing.use_cases.requests import Limits, TopUpRequest, is_canonical_uuid

__all__ = [
    "Delivery",
    "DuplicateEntry",
    "Limits",
    "Outcome",
    "Page",
    "PaymentGateway",
    "PrepaidBalance",
    "Queries",
    "ShippingQuotes",
    "ShippingUnavailable",
    "TopUpRequest",
    "TopUpResult",
    "UnitOfWork",
    "cancel_order",
    "get_account",
    "get_invoice",
    "get_invoice_by_order",
    "invoice_order",
    "is_canonical_uuid",
    "list_invoices",
    "top_up_account",
]
