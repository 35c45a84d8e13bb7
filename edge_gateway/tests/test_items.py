"""The catalogue: public reads, admin writes, the `:adjustStock` custom method and their bad inputs."""

import httpx
import pytest

from edge_gateway.schemas.items import Item, ItemPage
from edge_gateway.tests.assertions import fields, problem, resource
from edge_gateway.tests.servers import EdgeFactory, InventoryServer
from edge_gateway.tests.tokens import bearer

ADMIN = bearer("root", "admin")
NEW_ITEM = {
    "sku": "BAG-010",
    "name": "Canvas bag",
    "unit_price": {"currency": "EUR", "amount_minor": 1250},
    "weight_grams": 400,
    "initial_on_hand": 7,
}


async def test_anyone_reads_an_item_with_its_availability(edge: httpx.AsyncClient) -> None:
    item = resource(await edge.get("/v1/items/MUG-001"), 200, Item)

    assert item.sku == "MUG-001"
    assert (item.unit_price.currency, item.unit_price.amount_minor) == ("EUR", 1999)
    assert (item.on_hand, item.reserved, item.available) == (10, 0, 10)
    assert item.created_at is not None


async def test_unknown_sku_is_404_item_not_found(edge: httpx.AsyncClient) -> None:
    document = problem(await edge.get("/v1/items/NOPE-404"), 404, "ITEM_NOT_FOUND")

    assert document.code == "NOT_FOUND"
    assert document.type == "urn:mercado:problem:item-not-found"
    assert "NOPE-404" in document.detail


async def test_malformed_sku_is_422_naming_the_path_parameter(edge: httpx.AsyncClient) -> None:
    document = problem(await edge.get("/v1/items/bad sku"), 422, "VALIDATION_FAILED")

    assert [(v.field, v.location) for v in document.errors] == [("sku", "path")]


async def test_catalogue_pages_follow_next_page_token(edge: httpx.AsyncClient) -> None:
    first = resource(await edge.get("/v1/items", params={"page_size": 2}), 200, ItemPage)
    second = resource(
        await edge.get("/v1/items", params={"page_size": 2, "page_token": first.next_page_token}),
        200,
        ItemPage,
    )

    assert [item.sku for item in first.items] == ["CAP-003", "MUG-001"]
    assert [item.sku for item in second.items] == ["TEE-002"]
    assert second.next_page_token == ""


async def test_page_size_above_the_cap_is_served_at_the_cap(
    edge_for: EdgeFactory, inventory: InventoryServer
) -> None:
    async with edge_for(max_page_size=2, default_page_size=2) as edge:
        page = resource(await edge.get("/v1/items", params={"page_size": 500}), 200, ItemPage)

    assert len(page.items) == 2
    assert inventory.fake.last_list_page_size == 2


@pytest.mark.parametrize("page_size", ["0", "-3", "many"])
async def test_page_size_below_one_or_not_a_number_is_422(edge: httpx.AsyncClient, page_size: str) -> None:
    document = problem(await edge.get("/v1/items", params={"page_size": page_size}), 422, "VALIDATION_FAILED")

    assert [(v.field, v.location) for v in document.errors] == [("page_size", "query")]


async def test_page_token_the_backend_rejects_is_400_with_its_field(edge: httpx.AsyncClient) -> None:
    document = problem(await edge.get("/v1/items", params={"page_token": "forged"}), 400, "INVALID_ARGUMENT")

    assert fields(document) == {"page_token"}


async def test_admin_creates_an_item_that_everyone_can_then_read(edge: httpx.AsyncClient) -> None:
    created = await edge.post("/v1/items", json=NEW_ITEM, headers=ADMIN)

    assert resource(created, 201, Item).available == 7
    assert created.headers["location"] == "/v1/items/BAG-010"
    assert resource(await edge.get("/v1/items/BAG-010"), 200, Item).name == "Canvas bag"


async def test_creating_a_taken_sku_is_409_and_keeps_the_item(edge: httpx.AsyncClient) -> None:
    response = await edge.post("/v1/items", json={**NEW_ITEM, "sku": "MUG-001"}, headers=ADMIN)

    problem(response, 409, "ITEM_ALREADY_EXISTS")
    assert resource(await edge.get("/v1/items/MUG-001"), 200, Item).name == "Item MUG-001"


async def test_invalid_new_item_lists_every_bad_field(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    body = {
        **NEW_ITEM,
        "sku": "-bad",
        "unit_price": {"currency": "euro", "amount_minor": 0},
        "weight_grams": "heavy",
        "colour": "red",
    }
    document = problem(await edge.post("/v1/items", json=body, headers=ADMIN), 422, "VALIDATION_FAILED")

    assert fields(document) == {
        "sku",
        "unit_price.currency",
        "unit_price.amount_minor",
        "weight_grams",
        "colour",
    }
    assert "CreateItem" not in inventory.fake.methods_called()


async def test_customer_may_not_create_items(edge: httpx.AsyncClient, inventory: InventoryServer) -> None:
    response = await edge.post("/v1/items", json=NEW_ITEM, headers=bearer("alice"))

    assert problem(response, 403, "ROLE_NOT_ALLOWED").code == "PERMISSION_DENIED"
    assert "BAG-010" not in inventory.fake.items


async def test_adjust_stock_custom_method_restocks(edge: httpx.AsyncClient) -> None:
    body = {"delta": 5, "reason": "delivery from supplier"}
    item = resource(await edge.post("/v1/items/MUG-001:adjustStock", json=body, headers=ADMIN), 200, Item)

    assert (item.sku, item.on_hand, item.available) == ("MUG-001", 15, 15)


async def test_shrinkage_below_reserved_units_is_409_and_changes_nothing(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    inventory.fake.items["TEE-002"].reserved = 4
    body = {"delta": -3, "reason": "damaged"}
    response = await edge.post("/v1/items/TEE-002:adjustStock", json=body, headers=ADMIN)

    assert problem(response, 409, "STOCK_BELOW_RESERVED").code == "FAILED_PRECONDITION"
    assert inventory.fake.items["TEE-002"].on_hand == 5


@pytest.mark.parametrize(
    ("body", "bad_field"),
    [
        ({"delta": 0, "reason": "nothing"}, "delta"),
        ({"delta": 2, "reason": ""}, "reason"),
        ({"delta": 2.5, "reason": "half"}, "delta"),
        ({"reason": "no delta"}, "delta"),
    ],
)
async def test_invalid_adjustment_is_422(
    edge: httpx.AsyncClient, body: dict[str, object], bad_field: str
) -> None:
    response = await edge.post("/v1/items/MUG-001:adjustStock", json=body, headers=ADMIN)

    assert fields(problem(response, 422, "VALIDATION_FAILED")) == {bad_field}


async def test_adjusting_an_unknown_sku_is_404(edge: httpx.AsyncClient) -> None:
    body = {"delta": 1, "reason": "found one"}
    problem(
        await edge.post("/v1/items/NOPE-404:adjustStock", json=body, headers=ADMIN), 404, "ITEM_NOT_FOUND"
    )


async def test_customer_may_not_adjust_stock(edge: httpx.AsyncClient, inventory: InventoryServer) -> None:
    body = {"delta": 100, "reason": "wishful"}
    response = await edge.post("/v1/items/MUG-001:adjustStock", json=body, headers=bearer("alice"))

    problem(response, 403, "ROLE_NOT_ALLOWED")
    assert inventory.fake.items["MUG-001"].on_hand == 10


async def test_unknown_custom_verb_is_not_routed_to_any_backend(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    response = await edge.post("/v1/items/MUG-001:explode", json={}, headers=ADMIN)

    assert response.status_code in {404, 405}
    assert response.headers["content-type"] == "application/problem+json"
    assert inventory.fake.methods_called() == []
