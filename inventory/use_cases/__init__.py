"""Inventory's application layer: one async function per operation, over the ports in `ports`."""

from inventory.use_cases.catalogue import adjust_stock, create_item, get_item, list_items
from inventory.use_cases.expiry import (
    Expiry,
    ExpiryResult,
    SweepPolicy,
    record_payment,
    sweep_expired,
)
from inventory.use_cases.ports import (
    CancellationRefused,
    DuplicateOrderId,
    ExpiredReservation,
    OrderCancellations,
    Page,
    Queries,
    ShippingUnavailable,
    UnitOfWork,
)
from inventory.use_cases.requests import Limits, NewItem, StockAdjustment
from inventory.use_cases.reservations import get_reservation, list_reservations, reserve_stock
from inventory.use_cases.settlement import (
    Delivery,
    Outcome,
    cancel_order,
    commit_on_dispatch,
    release_on_payment_failure,
)

__all__ = [
    "CancellationRefused",
    "Delivery",
    "DuplicateOrderId",
    "ExpiredReservation",
    "Expiry",
    "ExpiryResult",
    "Limits",
    "NewItem",
    "OrderCancellations",
    "Outcome",
    "Page",
    "Queries",
    "ShippingUnavailable",
    "StockAdjustment",
    "SweepPolicy",
    "UnitOfWork",
    "adjust_stock",
    "cancel_order",
    "commit_on_dispatch",
    "create_item",
    "get_item",
    "get_reservation",
    "list_items",
    "list_reservations",
    "record_payment",
    "release_on_payment_failure",
    "reserve_stock",
    "sweep_expired",
]
