"""The one derivation of an order's public status from the states of its reservation, invoice and shipment.

The saga is choreographed, so the three services move at their own pace and the edge sees them at
arbitrary moments in between. The rules, first match wins:

1. shipment CANCELLED                      -> CANCELLED (shipping accepted the cancellation)
2. shipment DELIVERED                      -> DELIVERED
3. shipment DISPATCHED                     -> SHIPPED (inventory may not have committed yet)
4. invoice FAILED                          -> PAYMENT_FAILED (inventory may not have released yet;
                                              a later :cancel of such an order changes nothing)
5. invoice REFUNDED                        -> CANCELLED (only a cancellation refunds)
6. reservation RELEASED                    -> CANCELLED (stock is released on a payment failure,
                                              which rule 4 caught, or on a cancellation / expiry)
7. reservation COMMITTED                   -> SHIPPED (commit follows dispatch; shipping unseen)
8. invoice PAID, or shipment PENDING       -> AWAITING_SHIPMENT (also while the shipment is not
                                              created yet)
9. otherwise (RESERVED, no invoice or PENDING, no shipment) -> PENDING_PAYMENT

Billing always writes a FAILED invoice before it publishes PaymentFailed, so "released without a
failed invoice" can only be a cancellation. Shipping records a cancellation that comes before the
shipment without anything the edge can read (GetShipmentByOrder stays NOT_FOUND), so after a
successful :cancel of an order without a shipment the order still shows PENDING_PAYMENT or
AWAITING_SHIPMENT until inventory has released the stock (rule 6) or billing has refunded (rule 5),
usually within milliseconds. A part that did not answer (a degraded order) counts as absent, so the
status then follows the parts that did answer: e.g. RELEASED with billing missing shows CANCELLED
even if the invoice failed. A complete view moves only forward, with one exception between two
final statuses: a cancellation can release the stock before billing reports the failure of a
payment it had already attempted, so CANCELLED may turn into PAYMENT_FAILED (billing saw the order
first, so the failed payment is the outcome that stands).
"""

from enum import StrEnum

from edge_gateway.schemas.billing import InvoiceStatus
from edge_gateway.schemas.orders import OrderStatus
from edge_gateway.schemas.shipping import ShipmentStatus


class ReservationStatus(StrEnum):
    """Inventory's reservation states, as far as the order status depends on them."""

    RESERVED = "RESERVED"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"


FINAL_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED})

# The way to delivery: reaching one of these means every one before it was reached too.
_TOWARDS_DELIVERY = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.AWAITING_SHIPMENT,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


def passed_over(last: OrderStatus, now: OrderStatus) -> tuple[OrderStatus, ...]:
    """The statuses an order must have gone through between being seen at `last` and then at `now`.

    Only the way to delivery implies its earlier steps; a cancellation or a failed payment does not.
    """
    if last not in _TOWARDS_DELIVERY or now not in _TOWARDS_DELIVERY:
        return ()
    return _TOWARDS_DELIVERY[_TOWARDS_DELIVERY.index(last) + 1 : _TOWARDS_DELIVERY.index(now)]


_BY_SHIPMENT = {
    ShipmentStatus.CANCELLED: OrderStatus.CANCELLED,
    ShipmentStatus.DELIVERED: OrderStatus.DELIVERED,
    ShipmentStatus.DISPATCHED: OrderStatus.SHIPPED,
}
_BY_INVOICE = {
    InvoiceStatus.FAILED: OrderStatus.PAYMENT_FAILED,
    InvoiceStatus.REFUNDED: OrderStatus.CANCELLED,
}
_BY_RESERVATION = {
    ReservationStatus.RELEASED: OrderStatus.CANCELLED,
    ReservationStatus.COMMITTED: OrderStatus.SHIPPED,
}


def order_status(
    reservation: ReservationStatus,
    invoice: InvoiceStatus | None,
    shipment: ShipmentStatus | None,
) -> OrderStatus:
    """The order's status by the rules above; None stands for a part that is absent or unknown."""
    if shipment is not None and shipment in _BY_SHIPMENT:
        return _BY_SHIPMENT[shipment]
    if invoice is not None and invoice in _BY_INVOICE:
        return _BY_INVOICE[invoice]
    if reservation in _BY_RESERVATION:
        return _BY_RESERVATION[reservation]
    if invoice is InvoiceStatus.PAID or shipment is ShipmentStatus.PENDING:
        return OrderStatus.AWAITING_SHIPMENT
    return OrderStatus.PENDING_PAYMENT
