"""The order view composed from a reservation: status mapping and money/address shapes."""

import pytest

from edge_gateway.composition import order_json, order_status
from edge_gateway.schemas.orders import Order, OrderStatus
from mercado.common.v1 import address_pb2, money_pb2
from mercado.inventory.v1 import inventory_pb2


@pytest.mark.parametrize(
    ("reservation_status", "expected"),
    [
        (inventory_pb2.RESERVATION_STATUS_RESERVED, OrderStatus.PENDING_PAYMENT),
        (inventory_pb2.RESERVATION_STATUS_COMMITTED, OrderStatus.SHIPPED),
        (inventory_pb2.RESERVATION_STATUS_RELEASED, OrderStatus.CANCELLED),
    ],
)
def test_status_follows_the_reservation(reservation_status: int, expected: OrderStatus) -> None:
    assert order_status(inventory_pb2.Reservation(status=reservation_status)) is expected  # type: ignore[arg-type]


def test_unspecified_status_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="unknown reservation status"):
        order_status(inventory_pb2.Reservation())


def test_order_view_is_valid_against_the_public_schema() -> None:
    eur = money_pb2.Money(currency_code="EUR", amount_minor=500)
    reservation = inventory_pb2.Reservation(
        order_id="0b0e8a52-9a4c-4f1e-a9a6-53a1f4a0c3f1",
        customer_id="alice",
        status=inventory_pb2.RESERVATION_STATUS_RESERVED,
        lines=[
            inventory_pb2.ReservationLine(
                sku="MUG-001", quantity=2, unit_price=eur, unit_weight_grams=300, line_total=eur
            )
        ],
        shipping_address=address_pb2.PostalAddress(
            name="A", line1="B 1", line2="Floor 2", city="C", postal_code="10115", country="DE"
        ),
        subtotal=eur,
        total_weight_grams=600,
    )

    order = Order.model_validate(order_json(reservation))

    assert order.shipping_address.line2 == "Floor 2"
    assert order.totals.subtotal.model_dump() == {"currency": "EUR", "amount_minor": 500}
    assert order.created_at is None
