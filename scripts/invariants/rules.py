"""The invariants of SPEC §3 as pure checks over a Snapshot and a Ledger; each yields its violations.

Meant for a settled system (no saga step in flight): a state between two steps of one order, say a
paid invoice whose shipment is not created yet, is reported like a defect would be.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from edge_gateway.composition import ComposedOrder
from mercado.billing.v1 import billing_pb2
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import shipping_pb2
from scripts.invariants.ledger import Ledger
from scripts.invariants.report import Invariant, Violation
from scripts.invariants.snapshot import Snapshot

RES = inventory_pb2.ReservationStatus
INV = billing_pb2.InvoiceStatus
SHIP = shipping_pb2.ShipmentStatus
ABSENT = "absent"


@dataclass(frozen=True)
class Parts:
    """The states each service may hold for an order in a given settled status (ABSENT: no such part)."""

    reservation: frozenset[str]
    invoice: frozenset[str]
    shipment: frozenset[str]


def _parts(reservation: set[str], invoice: set[str], shipment: set[str]) -> Parts:
    return Parts(frozenset(reservation), frozenset(invoice), frozenset(shipment))


# "Services agree": a cancelled order has no active shipment, a released reservation and no net
# charge; a shipped order has a committed reservation and a paid invoice; and so on per status.
AGREED_PARTS: Mapping[str, Parts] = {
    "PAYMENT_FAILED": _parts({"RELEASED"}, {"FAILED"}, {ABSENT}),
    "CANCELLED": _parts({"RELEASED"}, {ABSENT, "FAILED", "REFUNDED"}, {ABSENT, "CANCELLED"}),
    "AWAITING_SHIPMENT": _parts({"RESERVED"}, {"PAID"}, {"PENDING"}),
    "SHIPPED": _parts({"COMMITTED"}, {"PAID"}, {"DISPATCHED"}),
    "DELIVERED": _parts({"COMMITTED"}, {"PAID"}, {"DELIVERED"}),
}


def reservation_state(reservation: inventory_pb2.Reservation) -> str:
    return RES.Name(reservation.status).removeprefix("RESERVATION_STATUS_")


def invoice_state(invoice: billing_pb2.Invoice | None) -> str:
    return ABSENT if invoice is None else INV.Name(invoice.status).removeprefix("INVOICE_STATUS_")


def shipment_state(shipment: shipping_pb2.Shipment | None) -> str:
    return ABSENT if shipment is None else SHIP.Name(shipment.status).removeprefix("SHIPMENT_STATUS_")


def _order(order_id: str, invariant: Invariant, detail: str) -> Violation:
    return Violation(invariant, f"order {order_id}", detail)


def _money(money: money_pb2.Money) -> str:
    return f"{money.amount_minor} {money.currency_code}"


def order_statuses(snapshot: Snapshot) -> dict[str, str]:
    """The status the edge derives for each order, from the parts its by-order lookups return."""
    statuses: dict[str, str] = {}
    for reservation in snapshot.reservations:
        order_id = reservation.order_id
        composed = ComposedOrder(
            reservation, snapshot.invoice_by_order.get(order_id), snapshot.shipment_by_order.get(order_id)
        )
        try:
            statuses[order_id] = composed.status.value
        except ValueError as unknown:  # a status the edge cannot read
            statuses[order_id] = f"UNREADABLE ({unknown})"
    return statuses


def lost_orders(snapshot: Snapshot, ledger: Ledger, statuses: Mapping[str, str]) -> Iterator[Violation]:
    reserved = {r.order_id for r in snapshot.reservations}
    for order_id in sorted(ledger.accepted - reserved):
        yield Violation(
            Invariant.NO_LOST_ORDER, f"order {order_id}", "accepted, but inventory has no reservation"
        )
    for order_id, status in sorted(statuses.items()):
        if status == "PENDING_PAYMENT":
            yield _order(order_id, Invariant.NO_LOST_ORDER, "never left PENDING_PAYMENT")


def double_effects(snapshot: Snapshot) -> Iterator[Violation]:
    for kind, order_ids in (
        ("invoices", Counter(i.order_id for i in snapshot.invoices)),
        ("shipments", Counter(s.order_id for s in snapshot.shipments)),
        ("reservations", Counter(r.order_id for r in snapshot.reservations)),
    ):
        for order_id, count in sorted(order_ids.items()):
            if count > 1:
                yield _order(order_id, Invariant.NO_DOUBLE_EFFECT, f"{count} {kind}")


def _agreement(
    reservation: inventory_pb2.Reservation,
    invoice: billing_pb2.Invoice | None,
    shipment: shipping_pb2.Shipment | None,
    status: str,
) -> Iterator[str]:
    expected = AGREED_PARTS.get(status)
    states = (reservation_state(reservation), invoice_state(invoice), shipment_state(shipment))
    if expected is not None and not (
        states[0] in expected.reservation and states[1] in expected.invoice and states[2] in expected.shipment
    ):
        yield f"{status} with reservation {states[0]}, invoice {states[1]}, shipment {states[2]}"
    for part in (invoice, shipment):
        if part is not None and part.customer_id != reservation.customer_id:
            yield f"{type(part).__name__} of customer {part.customer_id}, order of {reservation.customer_id}"
    if invoice is not None and invoice.subtotal != reservation.subtotal:
        yield f"invoice subtotal {_money(invoice.subtotal)}, reservation {_money(reservation.subtotal)}"


def _listed_matches_lookup(snapshot: Snapshot) -> Iterator[Violation]:
    """Each service's list and by-order lookup must name the same invoice / shipment."""
    listed_invoices = {i.order_id: i.invoice_id for i in snapshot.invoices}
    listed_shipments = {s.order_id: s.shipment_id for s in snapshot.shipments}
    for order_id, invoice in snapshot.invoice_by_order.items():
        if listed_invoices.get(order_id) != (None if invoice is None else invoice.invoice_id):
            yield Violation(
                Invariant.SERVICES_AGREE, f"order {order_id}", "ListInvoices and GetInvoiceByOrder differ"
            )
    for order_id, shipment in snapshot.shipment_by_order.items():
        if listed_shipments.get(order_id) != (None if shipment is None else shipment.shipment_id):
            yield _order(order_id, Invariant.SERVICES_AGREE, "ListShipments and GetShipmentByOrder differ")


def services_agree(snapshot: Snapshot, statuses: Mapping[str, str]) -> Iterator[Violation]:
    reservations = {r.order_id: r for r in snapshot.reservations}
    for order_id, reservation in sorted(reservations.items()):
        invoice, shipment = snapshot.invoice_by_order.get(order_id), snapshot.shipment_by_order.get(order_id)
        for detail in _agreement(reservation, invoice, shipment, statuses[order_id]):
            yield _order(order_id, Invariant.SERVICES_AGREE, detail)
    orphans = {i.order_id for i in snapshot.invoices} | {s.order_id for s in snapshot.shipments}
    for order_id in sorted(orphans - reservations.keys()):
        yield Violation(
            Invariant.SERVICES_AGREE, f"order {order_id}", "invoiced or shipped without a reservation"
        )
    yield from _listed_matches_lookup(snapshot)


def _item_violations(
    item: inventory_pb2.Item, held: int, committed: int, received: int | None
) -> Iterator[str]:
    if min(item.available, item.on_hand, item.reserved) < 0:
        yield f"negative stock: on_hand {item.on_hand}, reserved {item.reserved}, available {item.available}"
    if item.available != item.on_hand - item.reserved:
        yield f"available {item.available} is not on_hand {item.on_hand} - reserved {item.reserved}"
    if item.reserved != held:
        yield f"reserved {item.reserved}, but RESERVED reservations hold {held}"
    if received is not None and item.on_hand + committed != received:
        yield f"received {received}, but on_hand {item.on_hand} + committed {committed} differs"


def stock_conserved(snapshot: Snapshot, ledger: Ledger) -> Iterator[Violation]:
    held: defaultdict[str, int] = defaultdict(int)
    committed: defaultdict[str, int] = defaultdict(int)
    tally = {RES.RESERVATION_STATUS_RESERVED: held, RES.RESERVATION_STATUS_COMMITTED: committed}
    for reservation in snapshot.reservations:
        if reservation.status in tally:
            for line in reservation.lines:
                tally[reservation.status][line.sku] += line.quantity
    items = {item.sku: item for item in snapshot.items}
    for sku in sorted(ledger.received.keys() - items.keys()):
        yield Violation(Invariant.NO_OVERSELL, f"sku {sku}", "stock was received but the item is gone")
    for sku, item in sorted(items.items()):
        for detail in _item_violations(item, held[sku], committed[sku], ledger.received.get(sku)):
            yield Violation(Invariant.NO_OVERSELL, f"sku {sku}", detail)


def _charges(snapshot: Snapshot) -> dict[str, list[money_pb2.Money]]:
    """Per customer, the totals of invoices still charged (a refunded invoice was charged and paid back)."""
    charged: defaultdict[str, list[money_pb2.Money]] = defaultdict(list)
    for invoice in snapshot.invoices:
        if invoice.status == INV.INVOICE_STATUS_PAID:
            charged[invoice.customer_id].append(invoice.total)
    return charged


def money_conserved(snapshot: Snapshot, ledger: Ledger) -> Iterator[Violation]:
    charges = _charges(snapshot)
    for customer, account in sorted(snapshot.accounts.items()):
        subject, charged = f"customer {customer}", charges.get(customer, [])
        if account is None:
            if charged or customer in ledger.top_ups:
                yield Violation(
                    Invariant.MONEY_CONSERVED, subject, "topped up or charged, but has no account"
                )
            continue
        balance = account.balance
        if balance.amount_minor < 0:
            yield Violation(Invariant.MONEY_CONSERVED, subject, f"negative balance {_money(balance)}")
        if any(total.currency_code != balance.currency_code for total in charged):
            yield Violation(
                Invariant.MONEY_CONSERVED, subject, "charged in another currency than the account's"
            )
        if customer in ledger.top_ups:
            expected = ledger.top_ups[customer] - sum(total.amount_minor for total in charged)
            if balance.amount_minor != expected:
                detail = f"balance {_money(balance)}, but top-ups - charges + refunds = {expected}"
                yield Violation(Invariant.MONEY_CONSERVED, subject, detail)
