"""Domain events: facts the unit of work turns into outbox messages in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shipping.domain.shipments import Cancellation, Shipment


@dataclass(frozen=True)
class ShipmentCreated:
    shipment: Shipment


@dataclass(frozen=True)
class ShipmentDispatched:
    shipment: Shipment
    dispatch_time: datetime


@dataclass(frozen=True)
class ShipmentDelivered:
    shipment: Shipment
    deliver_time: datetime


@dataclass(frozen=True)
class OrderCancelled:
    """Published once per order; `shipment_id` names the shipment it cancelled, if there was one."""

    cancellation: Cancellation
    shipment_id: str | None


DomainEvent = ShipmentCreated | ShipmentDispatched | ShipmentDelivered | OrderCancelled


def changed_shipment(event: DomainEvent) -> str | None:
    """The shipment whose status the event reports a change of, for watchers of that shipment."""
    if isinstance(event, OrderCancelled):
        return event.shipment_id
    return event.shipment.shipment_id
