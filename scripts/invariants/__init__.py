"""Check SPEC §3's invariants against running services, reading them only through their gRPC APIs.

    report = await check_invariants(ServiceAddresses(inventory=..., billing=..., shipping=...), ledger)
    assert report.ok, str(report)

The `Ledger` carries what the services cannot tell (stock received, top-ups, accepted orders); without
it the checks that need it are listed as unchecked. Run it on a settled system: the services are read
one after the other, and a saga step in flight looks like a violation.
"""

from __future__ import annotations

from scripts.invariants.ledger import Ledger
from scripts.invariants.report import Invariant, InvariantReport, Violation
from scripts.invariants.rules import (
    double_effects,
    lost_orders,
    money_conserved,
    order_statuses,
    services_agree,
    stock_conserved,
)
from scripts.invariants.snapshot import ServiceAddresses, Snapshot, read_snapshot

__all__ = [
    "Invariant",
    "InvariantReport",
    "Ledger",
    "ServiceAddresses",
    "Snapshot",
    "Violation",
    "check_invariants",
    "evaluate",
]


def evaluate(snapshot: Snapshot, ledger: Ledger) -> InvariantReport:
    """Every invariant over one snapshot; pure, so it also serves snapshots built by hand."""
    statuses = order_statuses(snapshot)
    violations = (
        *lost_orders(snapshot, ledger, statuses),
        *double_effects(snapshot),
        *stock_conserved(snapshot, ledger),
        *money_conserved(snapshot, ledger),
        *services_agree(snapshot, statuses),
    )
    unknown_skus = {item.sku for item in snapshot.items} - ledger.received.keys()
    unknown_customers = {c for c, account in snapshot.accounts.items() if account} - ledger.top_ups.keys()
    unchecked = (
        *([f"stock received of {len(unknown_skus)} SKU(s) not in the ledger"] if unknown_skus else []),
        *([f"top-ups of {len(unknown_customers)} account(s) not in the ledger"] if unknown_customers else []),
    )
    counts = {
        "orders": len(snapshot.reservations),
        "items": len(snapshot.items),
        "invoices": len(snapshot.invoices),
        "shipments": len(snapshot.shipments),
        "accounts": sum(1 for account in snapshot.accounts.values() if account is not None),
    }
    return InvariantReport(tuple(violations), statuses, counts, unchecked)


async def check_invariants(
    addresses: ServiceAddresses,
    ledger: Ledger | None = None,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - the deadline of each gRPC call, passed on as such
) -> InvariantReport:
    """Read the three services and evaluate every invariant."""
    ledger = ledger or Ledger()
    snapshot = await read_snapshot(addresses, customers=ledger.top_ups.keys(), timeout=timeout)
    return evaluate(snapshot, ledger)
