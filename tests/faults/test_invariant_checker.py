"""The invariant checker the fault tests rely on: it passes a consistent system and names each violation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mercado.billing.v1 import billing_pb2
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import shipping_pb2
from scripts.invariants import Invariant, Ledger, Snapshot, evaluate

ORDER = "0b5f6a53-4c1e-4f7a-9d55-0c9a3a1e8b01"
SKU = "MUG-1"
CUSTOMER = "ana"
RES = inventory_pb2.ReservationStatus
INV = billing_pb2.InvoiceStatus
SHIP = shipping_pb2.ShipmentStatus


def eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=amount)


def reservation(
    status: inventory_pb2.ReservationStatus.ValueType = RES.RESERVATION_STATUS_COMMITTED,
) -> inventory_pb2.Reservation:
    line = inventory_pb2.ReservationLine(sku=SKU, quantity=2, unit_price=eur(500), line_total=eur(1000))
    return inventory_pb2.Reservation(
        order_id=ORDER, customer_id=CUSTOMER, lines=[line], status=status, subtotal=eur(1000)
    )


def invoice(
    status: billing_pb2.InvoiceStatus.ValueType = INV.INVOICE_STATUS_PAID, invoice_id: str = "inv-1"
) -> billing_pb2.Invoice:
    return billing_pb2.Invoice(
        invoice_id=invoice_id,
        order_id=ORDER,
        customer_id=CUSTOMER,
        subtotal=eur(1000),
        shipping_fee=eur(200),
        total=eur(1200),
        status=status,
    )


def shipment(
    status: shipping_pb2.ShipmentStatus.ValueType = SHIP.SHIPMENT_STATUS_DELIVERED,
) -> shipping_pb2.Shipment:
    return shipping_pb2.Shipment(shipment_id="ship-1", order_id=ORDER, customer_id=CUSTOMER, status=status)


def delivered_order() -> Snapshot:
    """One order of 2 units, paid 1200 and delivered, out of 10 units received and 5000 topped up."""
    item = inventory_pb2.Item(sku=SKU, on_hand=8, reserved=0, available=8)
    return Snapshot(
        items=[item],
        reservations=[reservation()],
        invoices=[invoice()],
        shipments=[shipment()],
        invoice_by_order={ORDER: invoice()},
        shipment_by_order={ORDER: shipment()},
        accounts={CUSTOMER: billing_pb2.Account(customer_id=CUSTOMER, balance=eur(3800))},
    )


def ledger() -> Ledger:
    known = Ledger()
    known.item_created(SKU, 10)
    known.topped_up(CUSTOMER, 5000)
    known.order_accepted(ORDER)
    return known


def broken(snapshot: Snapshot, known: Ledger | None = None) -> set[Invariant]:
    return {violation.invariant for violation in evaluate(snapshot, known or ledger()).violations}


def test_a_consistent_delivered_order_passes_every_invariant() -> None:
    report = evaluate(delivered_order(), ledger())

    assert report.ok, str(report)
    assert report.order_status == {ORDER: "DELIVERED"}
    assert report.unchecked == ()


def test_an_order_still_pending_payment_or_missing_is_lost() -> None:
    pending = replace(
        delivered_order(),
        reservations=[reservation(RES.RESERVATION_STATUS_RESERVED)],
        invoices=[],
        shipments=[],
        invoice_by_order={ORDER: None},
        shipment_by_order={ORDER: None},
        items=[inventory_pb2.Item(sku=SKU, on_hand=10, reserved=2, available=8)],
        accounts={CUSTOMER: billing_pb2.Account(customer_id=CUSTOMER, balance=eur(5000))},
    )
    known = ledger()
    known.order_accepted("11111111-2222-4333-8444-555555555555")

    report = evaluate(pending, known)

    assert {v.invariant for v in report.violations} == {Invariant.NO_LOST_ORDER}
    assert len(report.violations) == 2


def test_a_second_invoice_for_one_order_is_a_double_effect() -> None:
    twice = replace(delivered_order(), invoices=[invoice(), invoice(invoice_id="inv-2")])

    assert Invariant.NO_DOUBLE_EFFECT in broken(twice)


@pytest.mark.parametrize(
    ("on_hand", "reserved", "available"),
    [(7, 0, 7), (8, 1, 7), (8, 0, 9), (-1, 0, -1)],
    ids=["stock-vanished", "reserved-without-reservation", "available-miscounted", "negative"],
)
def test_stock_that_does_not_add_up_is_oversold(on_hand: int, reserved: int, available: int) -> None:
    item = inventory_pb2.Item(sku=SKU, on_hand=on_hand, reserved=reserved, available=available)

    assert Invariant.NO_OVERSELL in broken(replace(delivered_order(), items=[item]))


def test_a_balance_charged_twice_breaks_money_conservation() -> None:
    account = billing_pb2.Account(customer_id=CUSTOMER, balance=eur(2600))

    assert broken(replace(delivered_order(), accounts={CUSTOMER: account})) == {Invariant.MONEY_CONSERVED}


def test_a_released_order_still_charged_breaks_service_agreement() -> None:
    cancelled_but_paid = replace(
        delivered_order(),
        reservations=[reservation(RES.RESERVATION_STATUS_RELEASED)],
        shipments=[],
        shipment_by_order={ORDER: None},
        items=[inventory_pb2.Item(sku=SKU, on_hand=10, reserved=0, available=10)],
    )

    report = evaluate(cancelled_but_paid, ledger())

    assert report.order_status == {ORDER: "CANCELLED"}
    assert {v.invariant for v in report.violations} == {Invariant.SERVICES_AGREE}


def test_a_dispatched_order_whose_stock_was_never_committed_breaks_service_agreement() -> None:
    dispatched = shipment(SHIP.SHIPMENT_STATUS_DISPATCHED)
    uncommitted = replace(
        delivered_order(),
        reservations=[reservation(RES.RESERVATION_STATUS_RESERVED)],
        shipments=[dispatched],
        shipment_by_order={ORDER: dispatched},
        items=[inventory_pb2.Item(sku=SKU, on_hand=10, reserved=2, available=8)],
    )

    assert broken(uncommitted) == {Invariant.SERVICES_AGREE}


def test_without_a_ledger_the_history_checks_are_listed_as_unchecked() -> None:
    report = evaluate(delivered_order(), Ledger())

    assert report.ok
    assert len(report.unchecked) == 2
