"""Create the demo catalogue through inventory's gRPC CreateItem; items that already exist are left alone."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

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
class SeedReport:
    created: tuple[str, ...]
    existing: tuple[str, ...]


class SeedError(Exception):
    """Inventory refused an item for a reason other than it already existing."""


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.seed", description=__doc__)
    parser.add_argument("--inventory", default="127.0.0.1:50051", help="inventory's gRPC address")
    args = parser.parse_args(argv)
    try:
        report = seed_catalogue(args.inventory)
    except SeedError as exc:
        sys.stderr.write(f"seeding failed: {exc}\n")
        return 1
    # This is the command's output for the person who ran it, hence stdout rather than logging.
    sys.stdout.write(f"created {len(report.created)} items, {len(report.existing)} already existed\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
