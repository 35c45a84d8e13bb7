"""The order view composed from reservation, invoice and shipment: the status table and the JSON shape."""

import pytest

from edge_gateway.composition import ComposedOrder, order_json
from edge_gateway.order_status import ReservationStatus, order_status
from edge_gateway.schemas.billing import InvoiceStatus
from edge_gateway.schemas.orders import Order, OrderStatus
from edge_gateway.schemas.shipping import ShipmentStatus
from edge_gateway.tests.fake_billing import eur
from mercado.billing.v1 import billing_pb2
from mercado.common.v1 import address_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import shipping_pb2

RESERVED, COMMITTED, RELEASED = ReservationStatus
PENDING_INVOICE, PAID, FAILED, REFUNDED = InvoiceStatus
PENDING_SHIPMENT, DISPATCHED, DELIVERED, CANCELLED_SHIPMENT = ShipmentStatus

# Every combination the saga passes through, including the moments one service is ahead of another.
STATUS_TABLE = [
    ("just placed", RESERVED, None, None, OrderStatus.PENDING_PAYMENT),
    ("invoice drafted", RESERVED, PENDING_INVOICE, None, OrderStatus.PENDING_PAYMENT),
    ("paid, shipment not created yet", RESERVED, PAID, None, OrderStatus.AWAITING_SHIPMENT),
    ("paid, shipment pending", RESERVED, PAID, PENDING_SHIPMENT, OrderStatus.AWAITING_SHIPMENT),
    ("shipment pending, billing unseen", RESERVED, None, PENDING_SHIPMENT, OrderStatus.AWAITING_SHIPMENT),
    ("dispatched, stock not committed yet", RESERVED, PAID, DISPATCHED, OrderStatus.SHIPPED),
    ("dispatched and committed", COMMITTED, PAID, DISPATCHED, OrderStatus.SHIPPED),
    ("committed, shipping unseen", COMMITTED, PAID, None, OrderStatus.SHIPPED),
    ("delivered", COMMITTED, PAID, DELIVERED, OrderStatus.DELIVERED),
    ("delivered, stock not committed yet", RESERVED, PAID, DELIVERED, OrderStatus.DELIVERED),
    ("payment failed, stock not released yet", RESERVED, FAILED, None, OrderStatus.PAYMENT_FAILED),
    ("payment failed and released", RELEASED, FAILED, None, OrderStatus.PAYMENT_FAILED),
    ("cancelled before payment, not released yet", RESERVED, None, None, OrderStatus.PENDING_PAYMENT),
    ("cancelled before payment (or expired), released", RELEASED, None, None, OrderStatus.CANCELLED),
    ("cancelled after payment, nothing settled yet", RESERVED, PAID, None, OrderStatus.AWAITING_SHIPMENT),
    ("cancelled after payment, released first", RELEASED, PAID, None, OrderStatus.CANCELLED),
    ("cancelled after payment, refunded first", RESERVED, REFUNDED, None, OrderStatus.CANCELLED),
    ("cancelled after payment, settled", RELEASED, REFUNDED, None, OrderStatus.CANCELLED),
    ("shipment cancelled, nothing else yet", RESERVED, PAID, CANCELLED_SHIPMENT, OrderStatus.CANCELLED),
    ("shipment cancelled and settled", RELEASED, REFUNDED, CANCELLED_SHIPMENT, OrderStatus.CANCELLED),
]


@pytest.mark.parametrize(
    ("reservation", "invoice", "shipment", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in STATUS_TABLE],
)
def test_status_is_derived_from_all_three_parts(
    reservation: ReservationStatus,
    invoice: InvoiceStatus | None,
    shipment: ShipmentStatus | None,
    expected: OrderStatus,
) -> None:
    assert order_status(reservation, invoice, shipment) is expected


def test_unspecified_reservation_status_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="unknown reservation status"):
        _ = ComposedOrder(inventory_pb2.Reservation()).status


def _reservation(status: inventory_pb2.ReservationStatus.ValueType) -> inventory_pb2.Reservation:
    reservation = inventory_pb2.Reservation(
        order_id="0b0e8a52-9a4c-4f1e-a9a6-53a1f4a0c3f1",
        customer_id="alice",
        status=status,
        lines=[
            inventory_pb2.ReservationLine(
                sku="MUG-001", quantity=2, unit_price=eur(250), unit_weight_grams=300, line_total=eur(500)
            )
        ],
        shipping_address=address_pb2.PostalAddress(
            name="A", line1="B 1", line2="Floor 2", city="C", postal_code="10115", country="DE"
        ),
        subtotal=eur(500),
        total_weight_grams=600,
    )
    reservation.update_time.FromSeconds(1_800_000_000)
    return reservation


def test_order_of_a_reservation_alone_has_no_invoice_or_shipment_keys() -> None:
    body = order_json(ComposedOrder(_reservation(inventory_pb2.RESERVATION_STATUS_RESERVED)))
    order = Order.model_validate(body)

    assert {"invoice", "shipment"}.isdisjoint(body)
    assert set(body["totals"]) == {"subtotal"}
    assert (order.status, order.degraded) == (OrderStatus.PENDING_PAYMENT, [])
    assert order.shipping_address.line2 == "Floor 2"
    assert order.created_at is None


def test_full_order_carries_invoice_shipment_totals_and_its_latest_change() -> None:
    invoice = billing_pb2.Invoice(
        invoice_id="inv-1",
        status=billing_pb2.INVOICE_STATUS_PAID,
        subtotal=eur(500),
        shipping_fee=eur(490),
        total=eur(990),
    )
    shipment = shipping_pb2.Shipment(
        shipment_id="shp-1",
        status=shipping_pb2.SHIPMENT_STATUS_DISPATCHED,
        carrier="DHL",
        tracking_number="DHL1",
        history=[
            shipping_pb2.ShipmentStatusChange(status=shipping_pb2.SHIPMENT_STATUS_PENDING),
            shipping_pb2.ShipmentStatusChange(status=shipping_pb2.SHIPMENT_STATUS_DISPATCHED),
        ],
    )
    shipment.update_time.FromSeconds(1_800_000_600)
    composed = ComposedOrder(_reservation(inventory_pb2.RESERVATION_STATUS_RESERVED), invoice, shipment)

    order = Order.model_validate(order_json(composed))

    assert order.status is OrderStatus.SHIPPED
    assert order.invoice is not None
    assert order.shipment is not None
    assert (order.totals.shipping_fee, order.totals.total) == (
        order.invoice.shipping_fee,
        order.invoice.total,
    )
    assert (order.invoice.total.amount_minor, order.invoice.failure_reason) == (990, None)
    assert [change.status for change in order.shipment.history] == [PENDING_SHIPMENT, DISPATCHED]
    assert order.updated_at is not None
    assert order.updated_at.timestamp() == 1_800_000_600


def test_degraded_order_names_the_missing_services() -> None:
    composed = ComposedOrder(
        _reservation(inventory_pb2.RESERVATION_STATUS_RESERVED), degraded=("billing", "shipping")
    )

    assert Order.model_validate(order_json(composed)).degraded == ["billing", "shipping"]
