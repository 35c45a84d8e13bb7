"""Shipping's application layer: one function per operation, over the ports in `ports`."""

from shipping.use_cases.cancellation import CancelResult, cancel_order
from shipping.use_cases.fulfilment import (
    Delivery,
    Outcome,
    create_shipment,
    deliver_shipment,
    dispatch_shipment,
)
from shipping.use_cases.ports import ChangeFeed, ChangeSignal, LockedOrder, Page, Queries, UnitOfWork
from shipping.use_cases.quotes import quote_shipment
from shipping.use_cases.reading import get_shipment, get_shipment_by_order, list_shipments
from shipping.use_cases.requests import (
    CancelRequest,
    Limits,
    PaidOrder,
    QuoteRequest,
    ShipmentFilter,
    is_canonical_uuid,
)
from shipping.use_cases.watching import watch_shipment

__all__ = [
    "CancelRequest",
    "CancelResult",
    "ChangeFeed",
    "ChangeSignal",
    "Delivery",
    "Limits",
    "LockedOrder",
    "Outcome",
    "Page",
    "PaidOrder",
    "Queries",
    "QuoteRequest",
    "ShipmentFilter",
    "UnitOfWork",
    "cancel_order",
    "create_shipment",
    "deliver_shipment",
    "dispatch_shipment",
    "get_shipment",
    "get_shipment_by_order",
    "is_canonical_uuid",
    "list_shipments",
    "quote_shipment",
    "watch_shipment",
]
