"""Composes the public order view from the parts the services own (today: the inventory reservation).

The status is derived here and only here. Until billing and shipping are wired in, it follows the
reservation alone: RESERVED -> PENDING_PAYMENT, COMMITTED -> SHIPPED, RELEASED -> CANCELLED. The
invoice (PAID, FAILED) and shipment (DISPATCHED, DELIVERED, CANCELLED) will refine it to
AWAITING_SHIPMENT, PAYMENT_FAILED and DELIVERED, and add `invoice`, `shipment` and the full totals.
"""

from collections.abc import Mapping

from edge_gateway.schemas.orders import OrderStatus
from edge_gateway.translate import (
    JsonObject,
    address_json,
    money_json,
    reservation_line_json,
    timestamp_json,
)
from mercado.inventory.v1 import inventory_pb2

_STATUS_OF_RESERVATION: Mapping[int, OrderStatus] = {
    inventory_pb2.RESERVATION_STATUS_RESERVED: OrderStatus.PENDING_PAYMENT,
    inventory_pb2.RESERVATION_STATUS_COMMITTED: OrderStatus.SHIPPED,
    inventory_pb2.RESERVATION_STATUS_RELEASED: OrderStatus.CANCELLED,
}


def order_status(reservation: inventory_pb2.Reservation) -> OrderStatus:
    """The order's status as far as the reservation tells it."""
    try:
        return _STATUS_OF_RESERVATION[reservation.status]
    except KeyError:
        # A status this edge does not know means the contract moved ahead of it: fail loudly.
        raise ValueError(f"unknown reservation status {reservation.status}") from None


def order_json(reservation: inventory_pb2.Reservation) -> JsonObject:
    """The order view of one reservation."""
    return {
        "order_id": reservation.order_id,
        "customer_id": reservation.customer_id,
        "status": order_status(reservation).value,
        "lines": [reservation_line_json(line) for line in reservation.lines],
        "shipping_address": address_json(reservation.shipping_address),
        "totals": {"subtotal": money_json(reservation.subtotal)},
        "total_weight_grams": reservation.total_weight_grams,
        "created_at": timestamp_json(reservation, "create_time"),
        "updated_at": timestamp_json(reservation, "update_time"),
    }
