"""Test data builders: valid paid orders and addresses that a test changes only where it matters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shipping.domain import CancellationReason, PostalAddress
from shipping.use_cases import CancelRequest, Delivery, Limits, PaidOrder

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
LATEST = NOW + timedelta(days=2)
LIMITS = Limits()
ADDRESS = PostalAddress("Ada Lovelace", "1 Analytical Way", "", "London", "N1 9GU", "GB")


def paid_order(
    order_id: str | None = None,
    *,
    customer_id: str = "alice",
    weight: int = 1200,
    address: PostalAddress = ADDRESS,
) -> PaidOrder:
    return PaidOrder(order_id or str(uuid.uuid4()), customer_id, address, weight)


def delivery(event_id: str | None = None) -> Delivery:
    return Delivery("shipping--billing-v1-PaymentCaptured", event_id or str(uuid.uuid4()))


def cancel_request(
    order_id: str,
    *,
    customer_id: str = "",
    reason: CancellationReason | None = CancellationReason.CUSTOMER_REQUEST,
) -> CancelRequest:
    return CancelRequest(order_id, customer_id, reason)


def new_id() -> str:
    return str(uuid.uuid4())
