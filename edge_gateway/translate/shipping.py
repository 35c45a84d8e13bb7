"""Translation for the shipping context: shipments with their history out, cancellations in."""

from collections.abc import Mapping

from edge_gateway.schemas.shipping import ShipmentStatus
from edge_gateway.translate.common import (
    JsonObject,
    address_json,
    known_status,
    reason_name,
    timestamp_json,
)
from mercado.shipping.v1 import events_pb2, shipping_pb2

SHIPMENT_STATUS: Mapping[int, ShipmentStatus] = {
    shipping_pb2.SHIPMENT_STATUS_PENDING: ShipmentStatus.PENDING,
    shipping_pb2.SHIPMENT_STATUS_DISPATCHED: ShipmentStatus.DISPATCHED,
    shipping_pb2.SHIPMENT_STATUS_DELIVERED: ShipmentStatus.DELIVERED,
    shipping_pb2.SHIPMENT_STATUS_CANCELLED: ShipmentStatus.CANCELLED,
}
_CANCELLATION_REASONS: Mapping[int, str] = {
    value.number: value.name.removeprefix("CANCELLATION_REASON_")
    for value in events_pb2.CancellationReason.DESCRIPTOR.values
}


def shipment_status(shipment: shipping_pb2.Shipment | shipping_pb2.ShipmentStatusChange) -> ShipmentStatus:
    return known_status(SHIPMENT_STATUS, shipment.status, "shipment")


def shipment_summary_json(shipment: shipping_pb2.Shipment) -> JsonObject:
    """The shipment as an order embeds it."""
    history = [
        {"status": shipment_status(change).value, "changed_at": timestamp_json(change, "change_time")}
        for change in shipment.history
    ]
    return {
        "shipment_id": shipment.shipment_id,
        "status": shipment_status(shipment).value,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "history": history,
    }


def shipment_json(shipment: shipping_pb2.Shipment) -> JsonObject:
    return shipment_summary_json(shipment) | {
        "order_id": shipment.order_id,
        "customer_id": shipment.customer_id,
        "shipping_address": address_json(shipment.shipping_address),
        "total_weight_grams": shipment.total_weight_grams,
        "cancellation_reason": reason_name(_CANCELLATION_REASONS, shipment.cancellation_reason),
        "created_at": timestamp_json(shipment, "create_time"),
        "updated_at": timestamp_json(shipment, "update_time"),
    }


def cancel_order_request(
    order_id: str, customer_id: str, *, by_admin: bool
) -> shipping_pb2.CancelOrderRequest:
    """Shipping records who cancelled: the customer themselves, or an administrator for them."""
    reason = (
        events_pb2.CANCELLATION_REASON_ADMIN_REQUEST
        if by_admin
        else events_pb2.CANCELLATION_REASON_CUSTOMER_REQUEST
    )
    return shipping_pb2.CancelOrderRequest(order_id=order_id, customer_id=customer_id, reason=reason)
