"""Unit tests of the catalogue use cases on in-memory fakes."""

from __future__ import annotations

import pytest

from inventory.domain import (
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    StockBelowReserved,
    StockLow,
)
from inventory.tests.builders import LIMITS, NOW, item, new_item
from inventory.tests.fakes import FakeQueries, FakeUnitOfWork, State
from inventory.use_cases import StockAdjustment, adjust_stock, create_item, get_item, list_items


async def test_create_item_stores_it_with_nothing_reserved_and_records_the_initial_stock() -> None:
    state = State()
    created = await create_item(FakeUnitOfWork(state), new_item("MUG-001", on_hand=7), now=NOW)
    assert state.items["MUG-001"] == created
    assert (created.on_hand, created.reserved, created.available) == (7, 0, 7)
    assert state.movements == [("MUG-001", 7, "initial stock")]


async def test_create_item_refuses_a_taken_sku_and_keeps_the_original() -> None:
    state = State()
    await create_item(FakeUnitOfWork(state), new_item("MUG-001", on_hand=7), now=NOW)
    with pytest.raises(ItemAlreadyExists):
        await create_item(FakeUnitOfWork(state), new_item("MUG-001", on_hand=99), now=NOW)
    assert state.items["MUG-001"].on_hand == 7


async def test_create_item_with_invalid_fields_stores_nothing() -> None:
    state = State()
    with pytest.raises(InvalidRequest):
        await create_item(FakeUnitOfWork(state), new_item("x"), now=NOW)
    assert state.items == {}


async def test_restock_raises_on_hand_and_records_the_reason() -> None:
    state = State(items={"MUG-001": item(on_hand=5, reserved=2)})
    adjusted = await adjust_stock(
        FakeUnitOfWork(state), StockAdjustment("MUG-001", 10, "delivery 42"), now=NOW
    )
    assert (adjusted.on_hand, adjusted.reserved, adjusted.available) == (15, 2, 13)
    assert state.movements == [("MUG-001", 10, "delivery 42")]


async def test_shrinkage_may_not_take_reserved_units() -> None:
    state = State(items={"MUG-001": item(on_hand=5, reserved=3)})
    with pytest.raises(StockBelowReserved) as error:
        await adjust_stock(FakeUnitOfWork(state), StockAdjustment("MUG-001", -3, "broken"), now=NOW)
    assert error.value.available == 2
    assert state.items["MUG-001"].on_hand == 5
    assert state.movements == []


async def test_shrinkage_down_to_the_reserved_units_is_allowed() -> None:
    state = State(items={"MUG-001": item(on_hand=5, reserved=3)})
    adjusted = await adjust_stock(FakeUnitOfWork(state), StockAdjustment("MUG-001", -2, "broken"), now=NOW)
    assert adjusted.available == 0


async def test_adjusting_an_unknown_item_is_not_found() -> None:
    with pytest.raises(ItemNotFound):
        await adjust_stock(FakeUnitOfWork(State()), StockAdjustment("NOPE-1", 1, "count"), now=NOW)


async def test_shrinkage_that_crosses_the_threshold_announces_low_stock_once() -> None:
    state = State(items={"MUG-001": item(on_hand=10, threshold=3)})
    uow = FakeUnitOfWork(state)
    await adjust_stock(uow, StockAdjustment("MUG-001", -7, "audit"), now=NOW)
    await adjust_stock(uow, StockAdjustment("MUG-001", -1, "audit"), now=NOW)
    assert state.events == [StockLow("MUG-001", 3, 3, NOW)]


async def test_get_item_reports_an_unknown_sku_as_not_found_and_a_malformed_one_as_invalid() -> None:
    queries = FakeQueries(State(items={"MUG-001": item()}))
    assert (await get_item(queries, "MUG-001")).sku == "MUG-001"
    with pytest.raises(ItemNotFound):
        await get_item(queries, "TEA-404")
    with pytest.raises(InvalidRequest):
        await get_item(queries, "mug")


async def test_list_items_pages_through_the_catalogue_in_sku_order() -> None:
    queries = FakeQueries(State(items={sku: item(sku) for sku in ["C-3", "A-1", "B-2"]}))
    first = await list_items(queries, size=2, after=None, limits=LIMITS)
    assert [i.sku for i in first.entries] == ["A-1", "B-2"]
    second = await list_items(queries, size=2, after=first.next_key, limits=LIMITS)
    assert [i.sku for i in second.entries] == ["C-3"]
    assert second.next_key is None
