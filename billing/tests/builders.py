"""Test data builders: valid orders, addresses and top-ups that a test changes only where it matters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from billing.domain import InvoiceLine, Money, PostalAddress, ReservedOrder
from billing.use_cases import Delivery, Limits, TopUpRequest

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
LIMITS = Limits()
ADDRESS = PostalAddress("Ada Lovelace", "1 Analytical Way", "", "London", "N1 9GU", "GB")


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


def reserved(
    *lines: tuple[str, int, int],
    order_id: str | None = None,
    customer_id: str = "alice",
    currency: str = "EUR",
    weight: int = 700,
) -> ReservedOrder:
    """An order of (sku, quantity, unit price) lines; one mug at 12.50 when no line is given."""
    chosen = lines or (("MUG-001", 1, 1250),)
    return ReservedOrder(
        order_id=order_id or str(uuid.uuid4()),
        customer_id=customer_id,
        currency=currency,
        lines=tuple(InvoiceLine(sku, quantity, Money(price, currency)) for sku, quantity, price in chosen),
        shipping_address=ADDRESS,
        total_weight_grams=weight,
    )


def top_up(
    amount: int, *, key: str = "key-1", customer_id: str = "alice", currency: str = "EUR"
) -> TopUpRequest:
    return TopUpRequest(customer_id, Money(amount, currency), key)


def delivery(event_id: str | None = None, consumer: str = "billing--test") -> Delivery:
    return Delivery(consumer, event_id or str(uuid.uuid4()))
