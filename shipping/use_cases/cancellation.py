"""Cancelling an order: shipping is the arbiter, because dispatch is the step that cannot be undone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shipping.domain import (
    Cancellation,
    CancellationReason,
    OrderAlreadyDispatched,
    OrderCancelled,
    Shipment,
    ShipmentNotFound,
    ShipmentStatus,
)
from shipping.use_cases.ports import UnitOfWork
from shipping.use_cases.requests import CancelRequest, check_cancel_request


@dataclass(frozen=True)
class CancelResult:
    cancellation: Cancellation
    shipment: Shipment | None  # the cancelled shipment; None if the order had none yet


async def cancel_order(uow: UnitOfWork, request: CancelRequest, *, now: datetime) -> CancelResult:
    """Cancel an order that was not dispatched, with or without a shipment; OrderCancelled goes out once.

    A retry returns the cancellation recorded first and publishes nothing. The order's row lock
    orders this against shipment creation; the conditional PENDING -> CANCELLED update orders it
    against a concurrent dispatch, so exactly one of the two wins.
    """
    reason = check_cancel_request(request)
    async with uow:
        recorded = (await uow.orders.lock(request.order_id, request.customer_id)).cancellation
        shipment = await uow.shipments.for_order(request.order_id)
        if recorded is not None:
            return CancelResult(recorded, shipment)
        if shipment is not None:
            shipment = await _cancel_shipment(uow, shipment, reason, now)
        customer_id = shipment.customer_id if shipment is not None else request.customer_id
        cancellation = Cancellation(request.order_id, customer_id, reason, now)
        await uow.orders.cancel(cancellation)
        uow.emit(OrderCancelled(cancellation, shipment.shipment_id if shipment is not None else None))
        await uow.commit()
    return CancelResult(cancellation, shipment)


async def _cancel_shipment(
    uow: UnitOfWork, shipment: Shipment, reason: CancellationReason, now: datetime
) -> Shipment:
    moved = await uow.shipments.transition(
        shipment.shipment_id, old=ShipmentStatus.PENDING, new=ShipmentStatus.CANCELLED, now=now, reason=reason
    )
    if not moved:
        raise OrderAlreadyDispatched(shipment.order_id, shipment.shipment_id)
    cancelled = await uow.shipments.get(shipment.shipment_id)
    if cancelled is None:
        raise ShipmentNotFound(shipment.shipment_id)
    return cancelled
