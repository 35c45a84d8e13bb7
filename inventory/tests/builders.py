"""Test data builders: valid items, addresses and order requests that a test changes only where it matters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from inventory.domain import Item, LineRequest, Money, OrderRequest, PostalAddress
from inventory.use_cases import Limits, NewItem

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TTL = timedelta(seconds=900)
LIMITS = Limits()
ADDRESS = PostalAddress("Ada Lovelace", "1 Analytical Way", "", "London", "N1 9GU", "GB")


def new_item(
    sku: str = "MUG-001",
    *,
    on_hand: int = 10,
    price: int = 1250,
    currency: str = "EUR",
    weight: int = 350,
    threshold: int = 0,
) -> NewItem:
    return NewItem(sku, f"Item {sku}", Money(price, currency), weight, on_hand, threshold)


def item(sku: str = "MUG-001", *, on_hand: int = 10, reserved: int = 0, threshold: int = 0) -> Item:
    return Item(sku, f"Item {sku}", Money(1250, "EUR"), 350, on_hand, reserved, threshold, NOW, NOW)


def order(
    *lines: tuple[str, int],
    order_id: str | None = None,
    customer_id: str = "alice",
    address: PostalAddress = ADDRESS,
) -> OrderRequest:
    return OrderRequest(
        order_id or str(uuid.uuid4()),
        customer_id,
        tuple(LineRequest(sku, quantity) for sku, quantity in lines),
        address,
    )
