"""Shipments and cancellations: the life cycle of a parcel and the rules of each step; pure Python."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from shipping.domain.errors import ShipmentAlreadyDelivered, ShipmentCancelled, ShipmentNotDispatched
from shipping.domain.rates import Carrier


@dataclass(frozen=True)
class PostalAddress:
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str


class ShipmentStatus(enum.Enum):
    """PENDING -> DISPATCHED -> DELIVERED, or PENDING -> CANCELLED; never back."""

    PENDING = "PENDING"
    DISPATCHED = "DISPATCHED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"

    @property
    def is_final(self) -> bool:
        return self in (ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED)


class CancellationReason(enum.Enum):
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    ADMIN_REQUEST = "ADMIN_REQUEST"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"


@dataclass(frozen=True)
class StatusChange:
    status: ShipmentStatus
    change_time: datetime


@dataclass(frozen=True)
class Shipment:
    """The parcel of one paid order; `history` holds every status it entered, the last is current."""

    shipment_id: str
    order_id: str
    customer_id: str
    shipping_address: PostalAddress
    total_weight_grams: int
    carrier: str
    tracking_number: str
    history: tuple[StatusChange, ...]
    cancellation_reason: CancellationReason | None
    create_time: datetime

    @property
    def status(self) -> ShipmentStatus:
        return self.history[-1].status

    @property
    def update_time(self) -> datetime:
        return self.history[-1].change_time

    def as_of(self, changes: int) -> Shipment:
        """The shipment as it was right after its first `changes` status changes."""
        history = self.history[:changes]
        cancelled = history[-1].status is ShipmentStatus.CANCELLED
        return replace(
            self, history=history, cancellation_reason=self.cancellation_reason if cancelled else None
        )


@dataclass(frozen=True)
class Cancellation:
    """An accepted cancellation; recorded once per order, whether or not the order had a shipment."""

    order_id: str
    customer_id: str
    reason: CancellationReason
    cancel_time: datetime


def tracking_number(carrier: Carrier, shipment_id: str) -> str:
    """The carrier prefix and 16 digits derived from the (random) shipment id."""
    return f"{carrier.tracking_prefix}{uuid.UUID(shipment_id).int % 10**16:016d}"


def new_shipment(
    *,
    shipment_id: str,
    order_id: str,
    customer_id: str,
    address: PostalAddress,
    total_weight_grams: int,
    carrier: Carrier,
    now: datetime,
) -> Shipment:
    return Shipment(
        shipment_id=shipment_id,
        order_id=order_id,
        customer_id=customer_id,
        shipping_address=address,
        total_weight_grams=total_weight_grams,
        carrier=carrier.name,
        tracking_number=tracking_number(carrier, shipment_id),
        history=(StatusChange(ShipmentStatus.PENDING, now),),
        cancellation_reason=None,
        create_time=now,
    )


def replay_or_refuse(shipment: Shipment, wanted: ShipmentStatus) -> Shipment:
    """For a shipment that could not move to `wanted`: itself if it already is there (a retry),
    otherwise the error saying why the step is impossible from its status."""
    current = shipment.status
    if current is wanted:
        return shipment
    if current is ShipmentStatus.CANCELLED:
        raise ShipmentCancelled(shipment.shipment_id)
    if current is ShipmentStatus.DELIVERED:
        raise ShipmentAlreadyDelivered(shipment.shipment_id)
    if current is ShipmentStatus.PENDING and wanted is ShipmentStatus.DELIVERED:
        raise ShipmentNotDispatched(shipment.shipment_id)
    raise ValueError(f"no rule for moving a {current.value} shipment to {wanted.value}")
