"""Reading shipments: one by id, one by order, and pages of them filtered by status and customer."""

from __future__ import annotations

from shipping.domain import NoShipmentForOrder, Shipment, ShipmentNotFound
from shipping.use_cases.ports import Page, Queries
from shipping.use_cases.requests import Limits, ShipmentFilter, check_filter, check_id, page_size


async def get_shipment(queries: Queries, shipment_id: str) -> Shipment:
    check_id(shipment_id, "shipment_id")
    shipment = await queries.shipment(shipment_id)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    return shipment


async def get_shipment_by_order(queries: Queries, order_id: str) -> Shipment:
    check_id(order_id, "order_id")
    shipment = await queries.shipment_for_order(order_id)
    if shipment is None:
        raise NoShipmentForOrder(order_id)
    return shipment


async def list_shipments(
    queries: Queries, selection: ShipmentFilter, *, size: int, after: int | None, limits: Limits
) -> Page[Shipment, int]:
    """Oldest first, so a carrier can work through them; `after` continues the previous page."""
    check_filter(selection)
    limit = page_size(size, limits)
    return await queries.shipments(
        status=selection.status, customer_id=selection.customer_id, after=after, limit=limit
    )
