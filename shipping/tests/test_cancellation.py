"""Unit tests of CancelOrder: the arbiter of cancellation, before and after the shipment exists."""

from __future__ import annotations

import pytest

from shipping.domain import (
    Cancellation,
    CancellationReason,
    InvalidRequest,
    OrderAlreadyDispatched,
    OrderCancelled,
    Shipment,
    ShipmentStatus,
)
from shipping.tests.builders import LATER, LATEST, NOW, cancel_request, delivery, new_id, paid_order
from shipping.tests.fakes import FakeUnitOfWork, State
from shipping.use_cases import cancel_order, create_shipment, deliver_shipment, dispatch_shipment

ADMIN = CancellationReason.ADMIN_REQUEST
CUSTOMER = CancellationReason.CUSTOMER_REQUEST


async def pending(state: State, customer_id: str = "alice") -> Shipment:
    order = paid_order(customer_id=customer_id)
    await create_shipment(FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=NOW)
    return next(s for s in state.shipments.values() if s.order_id == order.order_id)


def cancellations(state: State) -> list[OrderCancelled]:
    return [event for event in state.events if isinstance(event, OrderCancelled)]


async def test_cancelling_a_pending_shipment_cancels_it_and_announces_the_order_cancelled(
    state: State,
) -> None:
    shipment = await pending(state)
    result = await cancel_order(
        FakeUnitOfWork(state), cancel_request(shipment.order_id, reason=ADMIN), now=LATER
    )
    assert result.shipment is not None
    assert result.shipment.status is ShipmentStatus.CANCELLED
    assert result.shipment.cancellation_reason is ADMIN
    assert result.shipment.update_time == LATER
    assert result.cancellation == Cancellation(shipment.order_id, "alice", ADMIN, LATER)
    assert cancellations(state) == [OrderCancelled(result.cancellation, shipment.shipment_id)]


async def test_the_customer_of_the_shipment_is_recorded_whatever_the_caller_names(state: State) -> None:
    shipment = await pending(state, customer_id="alice")
    request = cancel_request(shipment.order_id, customer_id="mallory")
    result = await cancel_order(FakeUnitOfWork(state), request, now=LATER)
    assert result.cancellation.customer_id == "alice"


async def test_an_order_without_a_shipment_can_be_cancelled_and_the_cancellation_is_remembered(
    state: State,
) -> None:
    order = paid_order()
    request = cancel_request(order.order_id, customer_id="alice")
    result = await cancel_order(FakeUnitOfWork(state), request, now=NOW)
    assert result.shipment is None
    assert result.cancellation == Cancellation(order.order_id, "alice", CUSTOMER, NOW)
    assert cancellations(state) == [OrderCancelled(result.cancellation, None)]
    await create_shipment(FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=LATER)
    assert state.shipments == {}


async def test_a_retried_cancellation_returns_the_first_one_and_announces_nothing_more(state: State) -> None:
    shipment = await pending(state)
    first = await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATER)
    retry = cancel_request(shipment.order_id, reason=ADMIN)
    again = await cancel_order(FakeUnitOfWork(state), retry, now=LATEST)
    assert again == first
    assert len(cancellations(state)) == 1


async def test_a_dispatched_order_cannot_be_cancelled_and_nothing_changes(state: State) -> None:
    shipment = await pending(state)
    dispatched = await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    with pytest.raises(OrderAlreadyDispatched):
        await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATEST)
    assert state.shipments[shipment.shipment_id] == dispatched
    assert state.orders[shipment.order_id] is None
    assert cancellations(state) == []


async def test_a_delivered_order_cannot_be_cancelled(state: State) -> None:
    shipment = await pending(state)
    await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    with pytest.raises(OrderAlreadyDispatched):
        await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATEST)


async def test_a_cancellation_needs_a_uuid_order_id_and_a_reason(state: State) -> None:
    request = cancel_request("order-1", customer_id="x" * 129, reason=None)
    with pytest.raises(InvalidRequest) as invalid:
        await cancel_order(FakeUnitOfWork(state), request, now=NOW)
    assert [field for field, _ in invalid.value.violations] == ["order_id", "customer_id", "reason"]
    assert state == State()
