"""Unit tests of reservation expiry: paid orders are remembered, expired unpaid ones cancelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from inventory.domain import Reservation, ReservationNotFound, ReservationStatus
from inventory.tests.builders import LIMITS, NOW, TTL, item, order
from inventory.tests.fakes import FakeUnitOfWork, State
from inventory.use_cases import (
    CancellationRefused,
    Delivery,
    Expiry,
    Outcome,
    ShippingUnavailable,
    SweepPolicy,
    record_payment,
    release_on_payment_failure,
    reserve_stock,
    sweep_expired,
)

POLICY = SweepPolicy(batch_size=10, ask_again_after=timedelta(minutes=5))
EXPIRED = NOW + TTL + timedelta(seconds=1)


@dataclass
class FakeShipping:
    """Records every CancelOrder asked; refuses the orders in `dispatched`; can be switched off."""

    asked: list[tuple[str, str]] = field(default_factory=list)
    dispatched: set[str] = field(default_factory=set)
    reachable: bool = True

    async def cancel_expired(self, order_id: str, customer_id: str) -> None:
        self.asked.append((order_id, customer_id))
        if not self.reachable:
            raise ShippingUnavailable("CancelOrder failed with UNAVAILABLE")
        if order_id in self.dispatched:
            raise CancellationRefused("ORDER_ALREADY_DISPATCHED")

    def orders_asked(self) -> list[str]:
        return [order_id for order_id, _ in self.asked]


@pytest.fixture
def state() -> State:
    return State(items={"MUG-001": item(on_hand=100)})


async def reserved(state: State, *, at: datetime = NOW, customer_id: str = "alice") -> Reservation:
    request = order(("MUG-001", 1), customer_id=customer_id)
    return await reserve_stock(FakeUnitOfWork(state), request, limits=LIMITS, ttl=TTL, now=at)


async def sweep(
    state: State, shipping: FakeShipping, *, at: datetime = EXPIRED, policy: SweepPolicy = POLICY
) -> dict[str, Expiry]:
    results = await sweep_expired(FakeUnitOfWork(state), shipping, policy=policy, now=at)
    return {result.reservation.order_id: result.outcome for result in results}


async def paid(state: State, order_id: str, event_id: str = "payment-1") -> Outcome:
    delivery = Delivery("inventory--billing-v1-PaymentCaptured", event_id)
    return await record_payment(FakeUnitOfWork(state), order_id, delivery=delivery, now=NOW)


async def test_an_expired_unpaid_reservation_asks_shipping_to_cancel_its_order(state: State) -> None:
    r = await reserved(state, customer_id="carol")
    shipping = FakeShipping()
    assert await sweep(state, shipping) == {r.order_id: Expiry.CANCEL_REQUESTED}
    assert shipping.asked == [(r.order_id, "carol")]
    # The release arrives as OrderCancelled, like every cancellation; the sweep itself moves no stock.
    assert state.items["MUG-001"].reserved == 1


async def test_a_reservation_within_its_ttl_is_left_alone(state: State) -> None:
    await reserved(state)
    shipping = FakeShipping()
    assert await sweep(state, shipping, at=NOW + TTL - timedelta(seconds=1)) == {}
    assert shipping.asked == []


async def test_an_asked_order_is_asked_again_only_after_the_interval(state: State) -> None:
    r = await reserved(state)
    shipping = FakeShipping()
    await sweep(state, shipping)
    await sweep(state, shipping, at=EXPIRED + timedelta(seconds=5))
    await sweep(state, shipping, at=EXPIRED + POLICY.ask_again_after - timedelta(seconds=1))
    assert shipping.orders_asked() == [r.order_id]
    # The OrderCancelled never came: the order is asked once more, and CancelOrder is idempotent.
    await sweep(state, shipping, at=EXPIRED + POLICY.ask_again_after)
    assert shipping.orders_asked() == [r.order_id, r.order_id]


async def test_a_paid_reservation_never_expires(state: State) -> None:
    r = await reserved(state)
    assert await paid(state, r.order_id) is Outcome.APPLIED
    shipping = FakeShipping()
    assert await sweep(state, shipping, at=EXPIRED + timedelta(days=3)) == {}
    assert shipping.asked == []


async def test_a_redelivered_payment_is_recorded_once(state: State) -> None:
    r = await reserved(state)
    await paid(state, r.order_id, "payment-1")
    assert await paid(state, r.order_id, "payment-1") is Outcome.DUPLICATE
    assert await paid(state, r.order_id, "payment-2") is Outcome.UNCHANGED
    assert state.paid == {r.order_id: NOW}


async def test_a_payment_for_an_order_without_reservation_is_refused_and_not_claimed(state: State) -> None:
    with pytest.raises(ReservationNotFound):
        await paid(state, "9a4f3a52-6f0e-4c7b-8d7e-0c8d2f3b1a11")
    assert state.inbox == set()
    assert state.paid == {}


async def test_a_released_reservation_is_not_cancelled(state: State) -> None:
    r = await reserved(state)
    delivery = Delivery("inventory--billing-v1-PaymentFailed", "failure-1")
    await release_on_payment_failure(FakeUnitOfWork(state), r.order_id, delivery=delivery, now=NOW)
    shipping = FakeShipping()
    assert await sweep(state, shipping) == {}


async def test_a_dispatched_order_is_skipped_until_the_interval_passes(state: State) -> None:
    r = await reserved(state)
    shipping = FakeShipping(dispatched={r.order_id})
    assert await sweep(state, shipping) == {r.order_id: Expiry.REFUSED}
    assert await sweep(state, shipping, at=EXPIRED + timedelta(seconds=5)) == {}
    assert shipping.orders_asked() == [r.order_id]
    found = state.orders[r.order_id]
    assert isinstance(found, Reservation)
    assert found.status is ReservationStatus.RESERVED


async def test_unreachable_shipping_leaves_the_whole_batch_to_the_next_sweep(state: State) -> None:
    first = await reserved(state, at=NOW)
    second = await reserved(state, at=NOW + timedelta(seconds=1))
    shipping = FakeShipping(reachable=False)
    later = EXPIRED + timedelta(seconds=1)
    assert await sweep(state, shipping, at=later) == {
        first.order_id: Expiry.DEFERRED,
        second.order_id: Expiry.DEFERRED,
    }
    # The sweep stopped at the first failure instead of waiting for shipping once per order.
    assert shipping.orders_asked() == [first.order_id]
    shipping.reachable = True
    assert await sweep(state, shipping, at=later + timedelta(seconds=5)) == {
        first.order_id: Expiry.CANCEL_REQUESTED,
        second.order_id: Expiry.CANCEL_REQUESTED,
    }


async def test_a_sweep_asks_about_at_most_a_batch_oldest_expiry_first(state: State) -> None:
    orders = [await reserved(state, at=NOW + timedelta(seconds=n)) for n in (2, 0, 1)]
    shipping = FakeShipping()
    policy = SweepPolicy(batch_size=2, ask_again_after=timedelta(minutes=5))
    later = EXPIRED + timedelta(seconds=5)
    await sweep(state, shipping, at=later, policy=policy)
    assert shipping.orders_asked() == [orders[1].order_id, orders[2].order_id]
    await sweep(state, shipping, at=later, policy=policy)
    assert shipping.orders_asked()[2:] == [orders[0].order_id]
