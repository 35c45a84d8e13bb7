"""What the saga use cases report: the identity of the consumed event, and what handling it did."""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    """Identifies one consumed event for the inbox: who consumed it and its event id."""

    consumer: str
    event_id: str


class Outcome(enum.Enum):
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    ALREADY_INVOICED = "already_invoiced"  # another event already invoiced this order
    CANCELLED_BEFORE_INVOICE = "cancelled_before_invoice"  # not charged: the cancellation came first
    REFUNDED = "refunded"
    NOTHING_TO_REFUND = "nothing_to_refund"  # failed, already refunded, or already cancelled
    REMEMBERED = "remembered"  # cancellation noted for an order not invoiced yet
    DUPLICATE = "duplicate"  # this very event was handled before
