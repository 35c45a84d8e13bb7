"""Unit tests of ReserveStock on in-memory fakes: all-or-nothing, idempotent per order id, snapshots."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from inventory.domain import (
    CancelledOrder,
    InsufficientStock,
    InvalidRequest,
    Item,
    MixedCurrency,
    Money,
    OrderAlreadyCancelled,
    OrderIdReused,
    OrderRequest,
    Reservation,
    ReservationStatus,
    StockLow,
    StockReserved,
    UnknownSku,
)
from inventory.tests.builders import LIMITS, NOW, TTL, item, order
from inventory.tests.fakes import FakeReservations, FakeUnitOfWork, State
from inventory.use_cases import DuplicateOrderId, reserve_stock


def stocked(*items: Item) -> State:
    return State(items={i.sku: i for i in items})


async def reserve(state: State, request: OrderRequest) -> Reservation:
    return await reserve_stock(FakeUnitOfWork(state), request, limits=LIMITS, ttl=TTL, now=NOW)


async def test_reserve_holds_every_line_and_snapshots_price_and_weight() -> None:
    mug = dataclasses.replace(item("MUG-001", on_hand=10), unit_price=Money(1250, "EUR"), weight_grams=350)
    tea = dataclasses.replace(item("TEA-002", on_hand=4), unit_price=Money(499, "EUR"), weight_grams=100)
    state = stocked(mug, tea)
    reservation = await reserve(state, order(("TEA-002", 3), ("MUG-001", 2)))
    assert [(line.sku, line.quantity, line.unit_price) for line in reservation.lines] == [
        ("TEA-002", 3, Money(499, "EUR")),
        ("MUG-001", 2, Money(1250, "EUR")),
    ]
    assert reservation.subtotal == Money(3 * 499 + 2 * 1250, "EUR")
    assert reservation.total_weight_grams == 3 * 100 + 2 * 350
    assert reservation.status is ReservationStatus.RESERVED
    assert reservation.expire_time == NOW + timedelta(seconds=900)
    assert (state.items["MUG-001"].reserved, state.items["TEA-002"].reserved) == (2, 3)
    assert state.events == [StockReserved(reservation)]


async def test_reserve_is_all_or_nothing_when_one_line_is_short() -> None:
    state = stocked(item("MUG-001", on_hand=10), item("TEA-002", on_hand=1))
    with pytest.raises(InsufficientStock) as error:
        await reserve(state, order(("MUG-001", 2), ("TEA-002", 2)))
    assert (error.value.sku, error.value.requested, error.value.available) == ("TEA-002", 2, 1)
    assert state.items["MUG-001"].reserved == 0
    assert state.orders == {}
    assert state.events == []


async def test_a_retry_of_the_same_request_returns_the_same_reservation_and_holds_once() -> None:
    state = stocked(item("MUG-001", on_hand=10))
    request = order(("MUG-001", 2))
    first = await reserve(state, request)
    again = await reserve(state, request)
    assert again == first
    assert state.items["MUG-001"].reserved == 2
    assert len(state.events) == 1


async def test_a_different_request_for_a_known_order_id_is_refused() -> None:
    state = stocked(item("MUG-001", on_hand=10))
    first = await reserve(state, order(("MUG-001", 2)))
    with pytest.raises(OrderIdReused):
        await reserve(state, order(("MUG-001", 3), order_id=first.order_id))
    assert state.items["MUG-001"].reserved == 2


async def test_items_priced_in_different_currencies_cannot_share_an_order() -> None:
    usd = dataclasses.replace(item("CAP-003"), unit_price=Money(900, "USD"))
    state = stocked(item("MUG-001"), usd)
    with pytest.raises(MixedCurrency):
        await reserve(state, order(("MUG-001", 1), ("CAP-003", 1)))
    assert state.orders == {}


async def test_an_unknown_sku_is_reported_with_the_path_of_its_line() -> None:
    state = stocked(item("MUG-001"))
    with pytest.raises(UnknownSku) as error:
        await reserve(state, order(("MUG-001", 1), ("NOPE-404", 1)))
    assert [field for field, _ in error.value.violations] == ["lines[1].sku"]
    assert state.items["MUG-001"].reserved == 0


async def test_an_invalid_request_changes_nothing() -> None:
    state = stocked(item("MUG-001"))
    with pytest.raises(InvalidRequest):
        await reserve(state, order(("MUG-001", 0)))
    assert state.orders == {}
    assert state.items["MUG-001"].reserved == 0


async def test_an_order_cancelled_before_it_reserved_can_never_reserve() -> None:
    state = stocked(item("MUG-001"))
    request = order(("MUG-001", 1))
    state.orders[request.order_id] = CancelledOrder(request.order_id, NOW)
    with pytest.raises(OrderAlreadyCancelled):
        await reserve(state, request)
    assert state.items["MUG-001"].reserved == 0


async def test_low_stock_is_announced_when_availability_crosses_the_threshold_not_below_it() -> None:
    state = stocked(item("MUG-001", on_hand=10, threshold=5))
    await reserve(state, order(("MUG-001", 4)))
    await reserve(state, order(("MUG-001", 2)))
    await reserve(state, order(("MUG-001", 1)))
    lows = [event for event in state.events if isinstance(event, StockLow)]
    assert lows == [StockLow("MUG-001", 4, 5, NOW)]


async def test_a_concurrent_duplicate_that_commits_first_is_answered_from_its_reservation() -> None:
    state = stocked(item("MUG-001", on_hand=10))
    request = order(("MUG-001", 2))
    winner = await reserve(State(items=dict(state.items)), request)

    async def lose_the_race(self: FakeReservations, reservation: Reservation) -> None:
        state.orders[reservation.order_id] = winner  # the other transaction commits now
        raise DuplicateOrderId(reservation.order_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeReservations, "add", lose_the_race)
        answer = await reserve(state, request)
    assert answer == winner
    assert state.items["MUG-001"].reserved == 0  # the loser held nothing
