"""Shipping shapes: a shipment with its status history (as an order embeds it and in full)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from edge_gateway.schemas.address import Address


class ShipmentStatus(StrEnum):
    """PENDING -> DISPATCHED -> DELIVERED, or PENDING -> CANCELLED."""

    PENDING = "PENDING"
    DISPATCHED = "DISPATCHED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class StatusChange(BaseModel):
    """One status the shipment entered, and when."""

    status: ShipmentStatus
    changed_at: datetime | None


class ShipmentSummary(BaseModel):
    """The parcel of a paid order, as the order view shows it."""

    shipment_id: str
    status: ShipmentStatus
    carrier: str
    tracking_number: str
    history: list[StatusChange] = Field(description="Oldest first; the last entry is the current status.")


class Shipment(ShipmentSummary):
    """The shipment of one order with where it goes and why it was cancelled, if it was."""

    order_id: str
    customer_id: str
    shipping_address: Address
    total_weight_grams: int
    cancellation_reason: str | None = Field(
        description="CUSTOMER_REQUEST, ADMIN_REQUEST or RESERVATION_EXPIRED; null unless CANCELLED.",
        examples=["CUSTOMER_REQUEST"],
    )
    created_at: datetime | None
    updated_at: datetime | None
