"""Inventory through both front doors: REST via the edge and gRPC via grpcurl see the same state."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from scripts.seed import DEMO_CATALOGUE
from tests.e2e.grpcurl import INVENTORY, Grpcurl

pytestmark = pytest.mark.e2e

ADDRESS = {
    "name": "Alice Example",
    "line1": "1 Rua Augusta",
    "city": "Lisboa",
    "postal_code": "1100-053",
    "country": "PT",
}


def grpc_item(grpc: Grpcurl, sku: str) -> dict[str, Any]:
    item: dict[str, Any] = grpc.call(f"{INVENTORY}/GetItem", {"sku": sku})["item"]
    return item


def grpc_reservation(grpc: Grpcurl, order_id: str) -> dict[str, Any]:
    reply = grpc.call(f"{INVENTORY}/GetReservation", {"order_id": order_id})
    reservation: dict[str, Any] = reply["reservation"]
    return reservation


def reservations_of(grpc: Grpcurl, customer_id: str) -> list[dict[str, Any]]:
    reply = grpc.call(f"{INVENTORY}/ListReservations", {"customer_id": customer_id, "page_size": 100})
    reservations: list[dict[str, Any]] = reply["reservations"]
    return reservations


Row = tuple[str, str, str, int, int, int, int, int]


def rest_row(item: dict[str, Any]) -> Row:
    price = item["unit_price"]
    return (
        item["sku"], item["name"], price["currency"], price["amount_minor"], item["weight_grams"],
        item["on_hand"], item["reserved"], item["available"],
    )  # fmt: skip


def grpc_row(item: dict[str, Any]) -> Row:
    # grpcurl prints proto3 JSON, which spells int64 values as strings.
    price = item["unit_price"]
    return (
        item["sku"], item["name"], price["currency_code"], int(price["amount_minor"]), item["weight_grams"],
        int(item["on_hand"]), int(item["reserved"]), int(item["available"]),
    )  # fmt: skip


def test_grpcurl_lists_inventory_health_and_reflection(inventory_grpc: Grpcurl) -> None:
    services = inventory_grpc.list_services()

    assert INVENTORY in services
    assert "grpc.health.v1.Health" in services
    assert {"grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"} & set(services)


@pytest.mark.parametrize("service", ["", INVENTORY])
def test_grpc_health_reports_serving(inventory_grpc: Grpcurl, service: str) -> None:
    reply = inventory_grpc.call("grpc.health.v1.Health/Check", {"service": service})

    assert reply["status"] == "SERVING"


def test_catalogue_over_rest_matches_grpc_list_items(edge: httpx.Client, inventory_grpc: Grpcurl) -> None:
    def both_views() -> tuple[list[Row], list[Row]]:
        rest = edge.get("/v1/items", params={"page_size": 100})
        assert rest.status_code == 200
        grpc = inventory_grpc.call(f"{INVENTORY}/ListItems", {"page_size": 100})
        return [rest_row(item) for item in rest.json()["items"]], [grpc_row(item) for item in grpc["items"]]

    # The two reads are not one snapshot: a saga step of an earlier order may land between them,
    # so compare until they agree (or the deadline says they never do).
    deadline = time.monotonic() + 10
    over_rest, over_grpc = both_views()
    while over_rest != over_grpc and time.monotonic() < deadline:
        over_rest, over_grpc = both_views()

    assert over_rest == over_grpc
    assert {row[0] for row in over_rest} >= {item.sku for item in DEMO_CATALOGUE}


def test_order_placed_over_rest_is_a_reservation_over_grpc(
    edge: httpx.Client, inventory_grpc: Grpcurl, alice: dict[str, str]
) -> None:
    body = {
        "lines": [{"sku": "MUG-ENAMEL", "quantity": 2}, {"sku": "NOTEBOOK-A5", "quantity": 1}],
        "shipping_address": ADDRESS,
    }

    placed = edge.post("/v1/orders", json=body, headers=alice)

    assert placed.status_code == 202, placed.text
    order = placed.json()
    reservation = grpc_reservation(inventory_grpc, order["order_id"])
    assert reservation["customer_id"] == "alice"
    # The saga moves on at once (alice has no credit, so billing fails the payment and the stock is
    # released); what this test owns is that the reservation exists with the ordered lines.
    assert reservation["status"] != "RESERVATION_STATUS_UNSPECIFIED"
    assert (
        [(line["sku"], int(line["quantity"])) for line in reservation["lines"]]
        == [(line["sku"], line["quantity"]) for line in order["lines"]]
        == [("MUG-ENAMEL", 2), ("NOTEBOOK-A5", 1)]
    )
    assert (
        int(reservation["subtotal"]["amount_minor"])
        == order["totals"]["subtotal"]["amount_minor"]
        == 2 * 1250 + 1499
    )


def test_order_beyond_available_stock_is_refused_and_changes_nothing(
    edge: httpx.Client, inventory_grpc: Grpcurl, bob: dict[str, str]
) -> None:
    # Items no other test orders, so no saga step of another order can move their stock meanwhile.
    lamp_before = grpc_item(inventory_grpc, "LAMP-DESK")
    keyboard_before = grpc_item(inventory_grpc, "KEYBOARD-TKL")
    body = {
        "lines": [
            {"sku": "KEYBOARD-TKL", "quantity": 1},
            {"sku": "LAMP-DESK", "quantity": int(lamp_before["available"]) + 1},
        ],
        "shipping_address": ADDRESS,
    }

    refused = edge.post("/v1/orders", json=body, headers=bob)

    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["reason"] == "INSUFFICIENT_STOCK"
    assert problem["status"] == 409
    # All or nothing: the line that could have been covered is not reserved either.
    assert grpc_item(inventory_grpc, "LAMP-DESK") == lamp_before
    assert grpc_item(inventory_grpc, "KEYBOARD-TKL") == keyboard_before
    assert reservations_of(inventory_grpc, "bob") == []
