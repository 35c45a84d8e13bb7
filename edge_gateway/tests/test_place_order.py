"""Placing orders: the 202 and its Location, idempotency keys, stock conflicts and every bad body."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from edge_gateway.schemas.orders import Order, OrderStatus
from edge_gateway.tests.assertions import fields, problem, resource
from edge_gateway.tests.order_bodies import ADDRESS, ORDER, order_with
from edge_gateway.tests.servers import EdgeFactory, InventoryServer
from edge_gateway.tests.tokens import bearer

ALICE = bearer("alice")
BOB = bearer("bob")
ADMIN = bearer("root", "admin")


def stock(inventory: InventoryServer) -> dict[str, tuple[int, int]]:
    return {sku: (item.on_hand, item.reserved) for sku, item in inventory.fake.items.items()}


async def test_customer_places_an_order_and_reads_it_back(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    placed = await edge.post("/v1/orders", json=ORDER, headers=ALICE)

    order = resource(placed, 202, Order)
    assert placed.headers["location"] == f"/v1/orders/{order.order_id}"
    assert uuid.UUID(order.order_id).version == 4
    assert (order.customer_id, order.status) == ("alice", OrderStatus.PENDING_PAYMENT)
    assert [(line.sku, line.quantity, line.line_total.amount_minor) for line in order.lines] == [
        ("MUG-001", 2, 3998),
        ("TEE-002", 1, 2500),
    ]
    assert order.totals.subtotal.amount_minor == 6498
    assert order.shipping_address.line2 is None
    assert inventory.fake.items["MUG-001"].reserved == 2
    assert resource(await edge.get(placed.headers["location"], headers=ALICE), 200, Order) == order


async def test_retry_with_the_same_key_and_body_replays_the_same_order(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    headers = {**ALICE, "Idempotency-Key": "checkout-7f3a"}
    first = resource(await edge.post("/v1/orders", json=ORDER, headers=headers), 202, Order)
    again = await edge.post("/v1/orders", json=ORDER, headers=headers)

    assert resource(again, 202, Order).order_id == first.order_id
    assert again.headers["location"] == f"/v1/orders/{first.order_id}"
    assert uuid.UUID(first.order_id).version == 5
    assert inventory.fake.items["MUG-001"].reserved == 2
    assert len(inventory.fake.reservations) == 1


async def test_same_key_for_another_customer_is_another_order(edge: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "cart-1"}
    alices = resource(await edge.post("/v1/orders", json=ORDER, headers={**ALICE, **key}), 202, Order)
    bobs = resource(await edge.post("/v1/orders", json=ORDER, headers={**BOB, **key}), 202, Order)

    assert alices.order_id != bobs.order_id


async def test_reusing_a_key_with_a_different_body_is_422_and_reserves_nothing_more(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    headers = {**ALICE, "Idempotency-Key": "checkout-7f3a"}
    await edge.post("/v1/orders", json=ORDER, headers=headers)
    before = stock(inventory)
    other = {**ORDER, "lines": [{"sku": "MUG-001", "quantity": 3}]}

    document = problem(
        await edge.post("/v1/orders", json=other, headers=headers), 422, "IDEMPOTENCY_KEY_REUSED"
    )

    assert document.code == "ALREADY_EXISTS"
    assert stock(inventory) == before


async def test_without_a_key_every_post_is_a_new_order(edge: httpx.AsyncClient) -> None:
    first = resource(await edge.post("/v1/orders", json=ORDER, headers=ALICE), 202, Order)
    second = resource(await edge.post("/v1/orders", json=ORDER, headers=ALICE), 202, Order)

    assert first.order_id != second.order_id


async def test_insufficient_stock_is_409_and_reserves_no_line(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    before = stock(inventory)
    body = {**ORDER, "lines": [{"sku": "MUG-001", "quantity": 1}, {"sku": "TEE-002", "quantity": 6}]}

    document = problem(await edge.post("/v1/orders", json=body, headers=ALICE), 409, "INSUFFICIENT_STOCK")

    assert document.code == "FAILED_PRECONDITION"
    assert "TEE-002" in document.detail
    assert stock(inventory) == before


async def test_ordering_an_unknown_sku_is_404_item_not_found(edge: httpx.AsyncClient) -> None:
    body = {**ORDER, "lines": [{"sku": "GHOST-1", "quantity": 1}]}
    problem(await edge.post("/v1/orders", json=body, headers=ALICE), 404, "ITEM_NOT_FOUND")


BAD_ORDERS = [
    pytest.param(order_with("lines.0.quantity", 0), "lines[0].quantity", id="zero-quantity"),
    pytest.param(order_with("lines.1.quantity", -2), "lines[1].quantity", id="negative-quantity"),
    pytest.param(order_with("lines.0.quantity", 1001), "lines[0].quantity", id="quantity-above-cap"),
    pytest.param(order_with("lines.0.quantity", "2"), "lines[0].quantity", id="quantity-as-text"),
    pytest.param(order_with("lines.1.sku", "MUG-001"), "lines[1].sku", id="duplicate-sku"),
    pytest.param(order_with("lines.0.sku", "mug 1"), "lines[0].sku", id="malformed-sku"),
    pytest.param(order_with("lines", []), "lines", id="no-lines"),
    pytest.param(
        order_with("lines", [{"sku": f"SKU-{n:03}", "quantity": 1} for n in range(51)]),
        "lines",
        id="too-many-lines",
    ),
    pytest.param(
        order_with("shipping_address.country", "Germany"), "shipping_address.country", id="bad-country"
    ),
    pytest.param(order_with("shipping_address.city", ...), "shipping_address.city", id="missing-city"),
    pytest.param(order_with("shipping_address.name", "   "), "shipping_address.name", id="blank-name"),
    pytest.param(
        order_with("shipping_address.postal_code", "!!"), "shipping_address.postal_code", id="bad-postcode"
    ),
    pytest.param(order_with("shipping_address", "Berlin"), "shipping_address", id="address-not-object"),
    pytest.param(order_with("gift_wrap", True), "gift_wrap", id="unknown-field"),
]


@pytest.mark.parametrize(("body", "bad_field"), BAD_ORDERS)
async def test_bad_order_is_422_naming_the_field_and_reserves_nothing(
    edge: httpx.AsyncClient, inventory: InventoryServer, body: dict[str, Any], bad_field: str
) -> None:
    document = problem(await edge.post("/v1/orders", json=body, headers=ALICE), 422, "VALIDATION_FAILED")

    assert bad_field in fields(document)
    assert all(violation.location == "body" for violation in document.errors)
    assert "ReserveStock" not in inventory.fake.methods_called()


async def test_malformed_json_is_422_malformed_json(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    headers = {**ALICE, "Content-Type": "application/json"}
    problem(await edge.post("/v1/orders", content=b'{"lines": [', headers=headers), 422, "MALFORMED_JSON")

    assert inventory.fake.methods_called() == []


async def test_body_over_the_cap_is_413(edge: httpx.AsyncClient, inventory: InventoryServer) -> None:
    body = {**ORDER, "shipping_address": {**ADDRESS, "line2": "x" * 70_000}}

    document = problem(await edge.post("/v1/orders", json=body, headers=ALICE), 413, "BODY_TOO_LARGE")

    assert document.code == "RESOURCE_EXHAUSTED"
    assert inventory.fake.methods_called() == []


async def test_chunked_body_over_the_cap_is_413(edge: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        for _ in range(20):
            yield b" " * 4096

    headers = {**ALICE, "Content-Type": "application/json"}
    problem(await edge.post("/v1/orders", content=chunks(), headers=headers), 413, "BODY_TOO_LARGE")


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\there"])
async def test_malformed_idempotency_key_is_422(edge: httpx.AsyncClient, key: str) -> None:
    response = await edge.post("/v1/orders", json=ORDER, headers={**ALICE, "Idempotency-Key": key})

    document = problem(response, 422, "VALIDATION_FAILED")
    assert [(v.field, v.location) for v in document.errors] == [("Idempotency-Key", "header")]


async def test_admin_orders_for_a_customer_who_then_sees_it(edge: httpx.AsyncClient) -> None:
    placed = resource(
        await edge.post("/v1/orders", json={**ORDER, "customer_id": "bob"}, headers=ADMIN), 202, Order
    )

    assert placed.customer_id == "bob"
    assert resource(await edge.get(f"/v1/orders/{placed.order_id}", headers=BOB), 200, Order) == placed


async def test_admin_must_name_the_customer(edge: httpx.AsyncClient) -> None:
    document = problem(await edge.post("/v1/orders", json=ORDER, headers=ADMIN), 422, "VALIDATION_FAILED")

    assert fields(document) == {"customer_id"}


async def test_customer_may_not_order_for_someone_else(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    response = await edge.post("/v1/orders", json={**ORDER, "customer_id": "bob"}, headers=ALICE)

    problem(response, 403, "CUSTOMER_MISMATCH")
    assert inventory.fake.reservations == {}


async def test_carrier_may_not_place_orders(edge: httpx.AsyncClient) -> None:
    problem(
        await edge.post("/v1/orders", json=ORDER, headers=bearer("dhl", "carrier")), 403, "ROLE_NOT_ALLOWED"
    )


async def test_quantity_cap_follows_configuration(edge_for: EdgeFactory) -> None:
    async with edge_for(max_line_quantity=1) as edge:
        response = await edge.post("/v1/orders", json=ORDER, headers=ALICE)

    assert fields(problem(response, 422, "VALIDATION_FAILED")) == {"lines[0].quantity"}


async def test_concurrent_duplicates_with_one_key_yield_one_order(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    headers = {**ALICE, "Idempotency-Key": "double-click"}
    responses = await asyncio.gather(
        *(edge.post("/v1/orders", json=ORDER, headers=headers) for _ in range(5))
    )

    assert {resource(response, 202, Order).order_id for response in responses} == {
        responses[0].json()["order_id"]
    }
    assert len(inventory.fake.reservations) == 1
    assert inventory.fake.items["MUG-001"].reserved == 2


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b'{"lines": []}', "text/plain", id="not-declared-as-json"),
        pytest.param(b"[1, 2]", "application/json", id="array-instead-of-object"),
        pytest.param(b"", "application/json", id="empty"),
    ],
)
async def test_body_that_is_not_an_order_object_is_422(
    edge: httpx.AsyncClient, inventory: InventoryServer, content: bytes, content_type: str
) -> None:
    headers = {**ALICE, "Content-Type": content_type}
    document = problem(
        await edge.post("/v1/orders", content=content, headers=headers), 422, "VALIDATION_FAILED"
    )

    assert fields(document) == {"body"}
    assert inventory.fake.methods_called() == []
