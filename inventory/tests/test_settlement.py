"""Unit tests of settling reservations from consumed events: release, cancel, commit, each exactly once."""

from __future__ import annotations

import pytest

from inventory.domain import (
    CancelledOrder,
    OrderAlreadyCancelled,
    ReleaseReason,
    Reservation,
    ReservationCommitted,
    ReservationNotFound,
    ReservationNotReserved,
    ReservationReleased,
    ReservationStatus,
)
from inventory.tests.builders import LIMITS, NOW, TTL, item, order
from inventory.tests.fakes import FakeReservations, FakeUnitOfWork, State
from inventory.use_cases import (
    Delivery,
    DuplicateOrderId,
    Outcome,
    cancel_order,
    commit_on_dispatch,
    release_on_payment_failure,
    reserve_stock,
)


async def reserved(state: State, quantity: int = 3) -> Reservation:
    request = order(("MUG-001", quantity))
    return await reserve_stock(FakeUnitOfWork(state), request, limits=LIMITS, ttl=TTL, now=NOW)


def delivery(event_id: str = "e-1", consumer: str = "inventory--test") -> Delivery:
    return Delivery(consumer, event_id)


def status_of(state: State, order_id: str) -> ReservationStatus:
    found = state.orders[order_id]
    assert isinstance(found, Reservation)
    return found.status


@pytest.fixture
def state() -> State:
    return State(items={"MUG-001": item(on_hand=10)})


async def test_payment_failure_releases_the_stock_and_announces_it(state: State) -> None:
    r = await reserved(state)
    outcome = await release_on_payment_failure(
        FakeUnitOfWork(state), r.order_id, delivery=delivery(), now=NOW
    )
    assert outcome is Outcome.APPLIED
    assert state.items["MUG-001"].reserved == 0
    assert status_of(state, r.order_id) is ReservationStatus.RELEASED
    released = state.events[-1]
    assert isinstance(released, ReservationReleased)
    assert released.reason is ReleaseReason.PAYMENT_FAILED
    assert released.reservation.lines == r.lines


async def test_a_redelivered_event_has_no_second_effect(state: State) -> None:
    r = await reserved(state)
    uow = FakeUnitOfWork(state)
    await release_on_payment_failure(uow, r.order_id, delivery=delivery("e-1"), now=NOW)
    events = list(state.events)
    again = await release_on_payment_failure(uow, r.order_id, delivery=delivery("e-1"), now=NOW)
    assert again is Outcome.DUPLICATE
    assert state.events == events
    assert state.items["MUG-001"].available == 10


async def test_payment_failure_after_dispatch_changes_nothing(state: State) -> None:
    r = await reserved(state)
    await commit_on_dispatch(FakeUnitOfWork(state), r.order_id, delivery=delivery("d-1"), now=NOW)
    outcome = await release_on_payment_failure(
        FakeUnitOfWork(state), r.order_id, delivery=delivery(), now=NOW
    )
    assert outcome is Outcome.UNCHANGED
    assert status_of(state, r.order_id) is ReservationStatus.COMMITTED
    assert (state.items["MUG-001"].on_hand, state.items["MUG-001"].reserved) == (7, 0)


async def test_cancellation_releases_a_reserved_order(state: State) -> None:
    r = await reserved(state)
    outcome = await cancel_order(FakeUnitOfWork(state), r.order_id, delivery=delivery(), now=NOW)
    assert outcome is Outcome.APPLIED
    assert state.items["MUG-001"].available == 10
    released = state.events[-1]
    assert isinstance(released, ReservationReleased)
    assert released.reason is ReleaseReason.ORDER_CANCELLED


async def test_cancellation_of_a_released_order_changes_nothing(state: State) -> None:
    r = await reserved(state)
    await release_on_payment_failure(FakeUnitOfWork(state), r.order_id, delivery=delivery("p-1"), now=NOW)
    events = len(state.events)
    outcome = await cancel_order(FakeUnitOfWork(state), r.order_id, delivery=delivery("c-1"), now=NOW)
    assert outcome is Outcome.UNCHANGED
    assert len(state.events) == events


async def test_a_cancellation_before_the_reservation_is_remembered_and_refuses_it_later(state: State) -> None:
    request = order(("MUG-001", 1))
    outcome = await cancel_order(FakeUnitOfWork(state), request.order_id, delivery=delivery(), now=NOW)
    assert outcome is Outcome.REMEMBERED
    with pytest.raises(OrderAlreadyCancelled):
        await reserve_stock(FakeUnitOfWork(state), request, limits=LIMITS, ttl=TTL, now=NOW)
    assert state.items["MUG-001"].reserved == 0


async def test_a_cancellation_racing_a_reservation_releases_it(state: State) -> None:
    r = await reserved(state)
    racing = dict(state.orders)
    state.orders.clear()  # the reservation is not yet visible when the cancellation first looks

    async def lose_the_race(self: FakeReservations, order: CancelledOrder) -> None:
        state.orders.update(racing)
        raise DuplicateOrderId(order.order_id)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeReservations, "add_cancelled", lose_the_race)
        outcome = await cancel_order(FakeUnitOfWork(state), r.order_id, delivery=delivery(), now=NOW)
    assert outcome is Outcome.APPLIED
    assert status_of(state, r.order_id) is ReservationStatus.RELEASED


async def test_dispatch_removes_the_units_from_stock_once(state: State) -> None:
    r = await reserved(state, 3)
    uow = FakeUnitOfWork(state)
    first = await commit_on_dispatch(uow, r.order_id, delivery=delivery("d-1"), now=NOW)
    second = await commit_on_dispatch(uow, r.order_id, delivery=delivery("d-2"), now=NOW)
    assert (first, second) == (Outcome.APPLIED, Outcome.UNCHANGED)
    mug = state.items["MUG-001"]
    assert (mug.on_hand, mug.reserved, mug.available) == (7, 0, 7)
    assert [type(e) for e in state.events].count(ReservationCommitted) == 1
    assert state.movements[-1] == ("MUG-001", -3, f"dispatched order {r.order_id}")


async def test_dispatch_of_a_released_order_is_refused_without_change(state: State) -> None:
    r = await reserved(state)
    await cancel_order(FakeUnitOfWork(state), r.order_id, delivery=delivery("c-1"), now=NOW)
    with pytest.raises(ReservationNotReserved):
        await commit_on_dispatch(FakeUnitOfWork(state), r.order_id, delivery=delivery("d-1"), now=NOW)
    assert state.items["MUG-001"].on_hand == 10


async def test_dispatch_of_an_unknown_order_is_refused(state: State) -> None:
    with pytest.raises(ReservationNotFound):
        await commit_on_dispatch(FakeUnitOfWork(state), order().order_id, delivery=delivery(), now=NOW)
    assert state.inbox == set()
