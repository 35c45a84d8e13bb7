"""Seed the demo data over gRPC: the catalogue (inventory CreateItem), funded accounts (billing TopUpAccount).

Running it again is harmless: existing items are left alone and each top-up carries a fixed
idempotency key, which billing books at most once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

from mercado.billing.v1 import billing_pb2, billing_pb2_grpc
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc

SEED_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class DemoItem:
    """A catalogue entry; the price is in euro cents."""

    sku: str
    name: str
    price_minor: int
    weight_grams: int
    on_hand: int
    low_stock_threshold: int


DEMO_CATALOGUE: tuple[DemoItem, ...] = (
    DemoItem("BOTTLE-750", "Steel water bottle, 750 ml", 2200, 410, 80, 10),
    DemoItem("KEYBOARD-TKL", "Tenkeyless mechanical keyboard", 8999, 950, 25, 5),
    DemoItem("LAMP-DESK", "Adjustable desk lamp", 4950, 1300, 15, 3),
    DemoItem("MOUSE-WL", "Wireless mouse", 2999, 95, 60, 10),
    DemoItem("MUG-ENAMEL", "Enamel camping mug", 1250, 300, 120, 20),
    DemoItem("NOTEBOOK-A5", "Dotted A5 notebook", 1499, 250, 200, 25),
)


@dataclass(frozen=True)
class DemoAccount:
    """A customer whose account the seed funds once with `top_up_minor` euro cents."""

    customer_id: str
    top_up_minor: int

    @property
    def idempotency_key(self) -> str:
        # Fixed, so every later run of the seed replays the first top-up instead of booking another.
        return f"demo-seed-{self.customer_id}-1"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (DemoAccount("alice", 50_000), DemoAccount("bob", 50_000))
# Deliberately never funded: her orders end PAYMENT_FAILED (NO_ACCOUNT), which the tour shows.
CUSTOMER_WITHOUT_ACCOUNT = "carol"


@dataclass(frozen=True)
class SeedReport:
    created: tuple[str, ...]
    existing: tuple[str, ...]


class SeedError(Exception):
    """A service refused the demo data for a reason other than it already being there."""


def _request(item: DemoItem) -> inventory_pb2.CreateItemRequest:
    return inventory_pb2.CreateItemRequest(
        sku=item.sku,
        name=item.name,
        unit_price=money_pb2.Money(currency_code="EUR", amount_minor=item.price_minor),
        weight_grams=item.weight_grams,
        initial_on_hand=item.on_hand,
        low_stock_threshold=item.low_stock_threshold,
    )


def seed_catalogue(address: str, items: Sequence[DemoItem] = DEMO_CATALOGUE) -> SeedReport:
    """Create each item unless its SKU exists (ALREADY_EXISTS counts as done: running twice is harmless)."""
    created: list[str] = []
    existing: list[str] = []
    with grpc.insecure_channel(address) as channel:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        for item in items:
            try:
                stub.CreateItem(_request(item), timeout=SEED_TIMEOUT_SECONDS)
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
                    problem = f"{exc.code().name} {exc.details()}"
                    raise SeedError(f"CreateItem {item.sku} failed: {problem}") from exc
                existing.append(item.sku)
            else:
                created.append(item.sku)
    return SeedReport(created=tuple(created), existing=tuple(existing))


def seed_accounts(address: str, accounts: Sequence[DemoAccount] = DEMO_ACCOUNTS) -> dict[str, str]:
    """Top up each demo account once (by its fixed key); each customer's balance, e.g. "EUR 500.00"."""
    balances: dict[str, str] = {}
    with grpc.insecure_channel(address) as channel:
        stub = billing_pb2_grpc.BillingServiceStub(channel)
        for account in accounts:
            request = billing_pb2.TopUpAccountRequest(
                customer_id=account.customer_id,
                amount=money_pb2.Money(currency_code="EUR", amount_minor=account.top_up_minor),
                idempotency_key=account.idempotency_key,
            )
            try:
                reply = stub.TopUpAccount(request, timeout=SEED_TIMEOUT_SECONDS)
            except grpc.RpcError as exc:
                problem = f"{exc.code().name} {exc.details()}"
                raise SeedError(f"TopUpAccount {account.customer_id} failed: {problem}") from exc
            balances[account.customer_id] = _money(reply.account.balance)
    return balances


def _money(money: money_pb2.Money) -> str:
    # Every demo currency has two decimals.
    return f"{money.currency_code} {money.amount_minor // 100}.{money.amount_minor % 100:02d}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.seed", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--inventory", default="127.0.0.1:50051", help="inventory's gRPC address")
    parser.add_argument("--billing", default="127.0.0.1:50052", help="billing's gRPC address")
    args = parser.parse_args(argv)
    try:
        report = seed_catalogue(args.inventory)
        balances = seed_accounts(args.billing)
    except SeedError as exc:
        sys.stderr.write(f"seeding failed: {exc}\n")
        return 1
    # This is the command's output for the person who ran it, hence stdout rather than logging.
    sys.stdout.write(f"created {len(report.created)} items, {len(report.existing)} already existed\n")
    sys.stdout.write(f"accounts: {describe_balances(balances)}\n")
    return 0


def describe_balances(balances: dict[str, str]) -> str:
    funded = ", ".join(f"{customer} {balance}" for customer, balance in balances.items())
    return f"{funded}; {CUSTOMER_WITHOUT_ACCOUNT} has none"


if __name__ == "__main__":
    sys.exit(main())
