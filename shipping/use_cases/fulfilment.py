"""Moving shipments: create one per paid order (from PaymentCaptured), dispatch it, deliver it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from shipping.domain import (
    Shipment,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentNotFound,
    ShipmentStatus,
    carrier_for,
    new_shipment,
    replay_or_refuse,
)
from shipping.use_cases.ports import UnitOfWork
from shipping.use_cases.requests import PaidOrder, check_id, check_paid_order


class Outcome(enum.Enum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # this event was handled before
    ALREADY_SHIPPED = "already_shipped"  # another event already created the order's shipment
    ORDER_CANCELLED = "order_cancelled"  # cancelled before it was paid: no shipment, ever


@dataclass(frozen=True)
class Delivery:
    """Identifies one consumed event for the inbox: who consumed it and its event id."""

    consumer: str
    event_id: str


async def create_shipment(
    uow: UnitOfWork, order: PaidOrder, *, delivery: Delivery, shipment_id: str, now: datetime
) -> Outcome:
    """One PENDING shipment per paid order, unless the order was cancelled first.

    For a cancelled order nothing is published: OrderCancelled went out when the cancellation was
    accepted, and billing refunds the payment on it.
    """
    check_paid_order(order)
    carrier = carrier_for(order.address.country)
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        outcome = Outcome.CREATED
        locked = await uow.orders.lock(order.order_id, order.customer_id)
        if locked.cancellation is not None:
            outcome = Outcome.ORDER_CANCELLED
        elif not locked.created and await uow.shipments.for_order(order.order_id) is not None:
            outcome = Outcome.ALREADY_SHIPPED
        else:
            shipment = new_shipment(
                shipment_id=shipment_id,
                order_id=order.order_id,
                customer_id=order.customer_id,
                address=order.address,
                total_weight_grams=order.total_weight_grams,
                carrier=carrier,
                now=now,
            )
            await uow.shipments.add(shipment)
            uow.emit(ShipmentCreated(shipment))
        await uow.commit()
    return outcome


async def dispatch_shipment(uow: UnitOfWork, shipment_id: str, *, now: datetime) -> Shipment:
    """PENDING -> DISPATCHED; a retry on a dispatched shipment returns it unchanged."""
    check_id(shipment_id, "shipment_id")
    async with uow:
        moved, shipment = await _move(uow, shipment_id, ShipmentStatus.DISPATCHED, now)
        if moved:
            uow.emit(ShipmentDispatched(shipment, now))
            await uow.commit()
    return shipment


async def deliver_shipment(uow: UnitOfWork, shipment_id: str, *, now: datetime) -> Shipment:
    """DISPATCHED -> DELIVERED; a retry on a delivered shipment returns it unchanged."""
    check_id(shipment_id, "shipment_id")
    async with uow:
        moved, shipment = await _move(uow, shipment_id, ShipmentStatus.DELIVERED, now)
        if moved:
            uow.emit(ShipmentDelivered(shipment, now))
            await uow.commit()
    return shipment


_SOURCE = {
    ShipmentStatus.DISPATCHED: ShipmentStatus.PENDING,
    ShipmentStatus.DELIVERED: ShipmentStatus.DISPATCHED,
}


async def _move(
    uow: UnitOfWork, shipment_id: str, wanted: ShipmentStatus, now: datetime
) -> tuple[bool, Shipment]:
    # Update first, read after: the conditional update decides a race with a concurrent cancel or
    # retry, and the read then shows what won.
    moved = await uow.shipments.transition(shipment_id, old=_SOURCE[wanted], new=wanted, now=now)
    shipment = await uow.shipments.get(shipment_id)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    if not moved:
        replay_or_refuse(shipment, wanted)
    return moved, shipment
