"""Unit tests of creating, dispatching and delivering shipments, with in-memory fakes of the store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shipping.domain import (
    InvalidRequest,
    Shipment,
    ShipmentAlreadyDelivered,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentDelivered,
    ShipmentDispatched,
    ShipmentNotDispatched,
    ShipmentNotFound,
    ShipmentStatus,
    StatusChange,
    Unshippable,
)
from shipping.tests.builders import ADDRESS, LATER, LATEST, NOW, cancel_request, delivery, new_id, paid_order
from shipping.tests.fakes import FakeUnitOfWork, State
from shipping.use_cases import (
    Outcome,
    PaidOrder,
    cancel_order,
    create_shipment,
    deliver_shipment,
    dispatch_shipment,
)

PENDING, DISPATCHED, DELIVERED = ShipmentStatus.PENDING, ShipmentStatus.DISPATCHED, ShipmentStatus.DELIVERED


async def created(state: State, order: PaidOrder | None = None) -> Shipment:
    order = order or paid_order()
    outcome = await create_shipment(
        FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=NOW
    )
    assert outcome is Outcome.CREATED
    return next(s for s in state.shipments.values() if s.order_id == order.order_id)


async def test_a_paid_order_gets_one_pending_shipment_with_carrier_and_tracking_number(state: State) -> None:
    order = paid_order(weight=2500)
    shipment = await created(state, order)
    assert (shipment.customer_id, shipment.shipping_address) == ("alice", order.address)
    assert shipment.total_weight_grams == 2500
    assert shipment.carrier == "Mercado Express"  # GB is served by the express carrier
    assert shipment.tracking_number.startswith("MX")
    assert len(shipment.tracking_number) == 18
    assert shipment.history == (StatusChange(PENDING, NOW),)
    assert state.events == [ShipmentCreated(shipment)]


async def test_a_redelivered_payment_event_creates_nothing_more(state: State) -> None:
    order, event = paid_order(), delivery()
    for _ in range(2):
        outcome = await create_shipment(
            FakeUnitOfWork(state), order, delivery=event, shipment_id=new_id(), now=NOW
        )
    assert outcome is Outcome.DUPLICATE
    assert len(state.shipments) == 1
    assert len(state.events) == 1


async def test_a_second_payment_event_for_the_same_order_creates_no_second_shipment(state: State) -> None:
    order = paid_order()
    first = await created(state, order)
    outcome = await create_shipment(
        FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=LATER
    )
    assert outcome is Outcome.ALREADY_SHIPPED
    assert list(state.shipments.values()) == [first]
    assert len(state.events) == 1


async def test_an_order_cancelled_before_payment_never_gets_a_shipment(state: State) -> None:
    order = paid_order()
    await cancel_order(FakeUnitOfWork(state), cancel_request(order.order_id), now=NOW)
    events_before = list(state.events)
    outcome = await create_shipment(
        FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=LATER
    )
    assert outcome is Outcome.ORDER_CANCELLED
    assert state.shipments == {}
    assert state.events == events_before


async def test_a_malformed_payment_event_is_refused_without_claiming_it(state: State) -> None:
    order = paid_order("not-a-uuid", customer_id="", weight=0)
    with pytest.raises(InvalidRequest) as invalid:
        await create_shipment(
            FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=NOW
        )
    assert [field for field, _ in invalid.value.violations] == [
        "order_id",
        "customer_id",
        "total_weight_grams",
    ]
    assert state == State()


async def test_a_destination_without_a_carrier_is_refused_without_a_shipment(state: State) -> None:
    with pytest.raises(Unshippable):
        await created(state, paid_order(address=replace(ADDRESS, country="AQ")))
    assert state == State()


async def test_dispatch_moves_a_pending_shipment_and_announces_it(state: State) -> None:
    shipment = await created(state)
    dispatched = await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    assert dispatched.history == (StatusChange(PENDING, NOW), StatusChange(DISPATCHED, LATER))
    assert state.events[-1] == ShipmentDispatched(dispatched, LATER)


async def test_a_retried_dispatch_returns_the_shipment_unchanged_and_announces_nothing(state: State) -> None:
    shipment = await created(state)
    first = await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    events = list(state.events)
    again = await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)
    assert again == first
    assert state.events == events


async def test_delivery_completes_the_history_and_a_retry_changes_nothing(state: State) -> None:
    shipment = await created(state)
    await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    delivered = await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)
    assert [change.status for change in delivered.history] == [PENDING, DISPATCHED, DELIVERED]
    assert delivered.update_time == LATEST
    assert state.events[-1] == ShipmentDelivered(delivered, LATEST)
    assert await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST) == delivered
    assert len(state.events) == 3


async def test_a_pending_shipment_cannot_be_delivered(state: State) -> None:
    shipment = await created(state)
    with pytest.raises(ShipmentNotDispatched):
        await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    assert state.shipments[shipment.shipment_id] == shipment


async def test_a_delivered_shipment_cannot_be_dispatched_again(state: State) -> None:
    shipment = await created(state)
    await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)
    with pytest.raises(ShipmentAlreadyDelivered):
        await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)


async def test_a_cancelled_shipment_can_be_neither_dispatched_nor_delivered(state: State) -> None:
    shipment = await created(state)
    await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATER)
    cancelled = state.shipments[shipment.shipment_id]
    for move in (dispatch_shipment, deliver_shipment):
        with pytest.raises(ShipmentCancelled):
            await move(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)
    assert state.shipments[shipment.shipment_id] == cancelled


async def test_an_unknown_shipment_is_not_found_and_a_malformed_id_is_invalid(state: State) -> None:
    with pytest.raises(ShipmentNotFound):
        await dispatch_shipment(FakeUnitOfWork(state), new_id(), now=NOW)
    with pytest.raises(InvalidRequest) as invalid:
        await deliver_shipment(FakeUnitOfWork(state), "SHIP-1", now=NOW)
    assert [field for field, _ in invalid.value.violations] == ["shipment_id"]
