"""Reading orders: the owner or an admin sees one, anyone else gets 404; lists are per customer."""

import uuid

import httpx

from edge_gateway.schemas.orders import Order, OrderPage
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.order_bodies import ORDER
from edge_gateway.tests.tokens import bearer

ALICE = bearer("alice")
BOB = bearer("bob")
ADMIN = bearer("root", "admin")


async def test_another_customers_order_is_404_like_an_unknown_one(edge: httpx.AsyncClient) -> None:
    placed = resource(await edge.post("/v1/orders", json=ORDER, headers=ALICE), 202, Order)

    foreign = problem(await edge.get(f"/v1/orders/{placed.order_id}", headers=BOB), 404, "ORDER_NOT_FOUND")
    unknown = problem(await edge.get(f"/v1/orders/{uuid.uuid4()}", headers=BOB), 404, "ORDER_NOT_FOUND")

    assert "alice" not in foreign.model_dump_json()
    assert (foreign.type, foreign.code) == (unknown.type, unknown.code)
    assert resource(await edge.get(f"/v1/orders/{placed.order_id}", headers=ADMIN), 200, Order) == placed


async def test_malformed_order_id_is_422(edge: httpx.AsyncClient) -> None:
    document = problem(await edge.get("/v1/orders/not-a-uuid", headers=ALICE), 422, "VALIDATION_FAILED")

    assert [(v.field, v.location) for v in document.errors] == [("order_id", "path")]


async def test_customers_list_only_their_own_orders(edge: httpx.AsyncClient) -> None:
    mine = [resource(await edge.post("/v1/orders", json=ORDER, headers=ALICE), 202, Order) for _ in range(3)]
    await edge.post("/v1/orders", json=ORDER, headers=BOB)

    first = resource(await edge.get("/v1/orders", params={"page_size": 2}, headers=ALICE), 200, OrderPage)
    rest = resource(
        await edge.get("/v1/orders", params={"page_token": first.next_page_token}, headers=ALICE),
        200,
        OrderPage,
    )

    listed = [order.order_id for order in first.orders + rest.orders]
    assert listed == [order.order_id for order in reversed(mine)]
    assert rest.next_page_token == ""


async def test_customer_may_not_list_someone_elses_orders(edge: httpx.AsyncClient) -> None:
    problem(
        await edge.get("/v1/orders", params={"customer_id": "bob"}, headers=ALICE), 403, "CUSTOMER_MISMATCH"
    )


async def test_admin_lists_all_orders_or_one_customers(edge: httpx.AsyncClient) -> None:
    await edge.post("/v1/orders", json=ORDER, headers=ALICE)
    await edge.post("/v1/orders", json=ORDER, headers=BOB)

    everyone = resource(await edge.get("/v1/orders", headers=ADMIN), 200, OrderPage)
    bobs = resource(
        await edge.get("/v1/orders", params={"customer_id": "bob"}, headers=ADMIN), 200, OrderPage
    )

    assert sorted(order.customer_id for order in everyone.orders) == ["alice", "bob"]
    assert [order.customer_id for order in bobs.orders] == ["bob"]
