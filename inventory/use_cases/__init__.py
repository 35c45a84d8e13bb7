"""Inventory's application layer: one async function per operation, over the ports in `ports`."""

from inventory.use_cases.catalogue import adjust_stock, create_item, get_item, list_items
from inventory.use_cases.ports import DuplicateOrderId, Page, Queries, UnitOfWork
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
    "Delivery",
    "DuplicateOrderId",
    "Limits",
    "NewItem",
    "Outcome",
    "Page",
    "Queries",
    "StockAdjustment",
    "UnitOfWork",
    "adjust_stock",
    "cancel_order",
    "commit_on_dispatch",
    "create_item",
    "get_item",
    "get_reservation",
    "list_items",
    "list_reservations",
    "release_on_payment_failure",
    "reserve_stock",
]
