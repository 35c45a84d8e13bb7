"""Unit tests of following a shipment: its current state, each change once, the end after a final status."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from shipping.changes import ShipmentChanges
from shipping.domain import InvalidRequest, Shipment, ShipmentNotFound, ShipmentStatus
from shipping.tests.builders import LATER, LATEST, NOW, cancel_request, delivery, new_id, paid_order
from shipping.tests.fakes import FakeQueries, FakeUnitOfWork, SilentFeed, State
from shipping.use_cases import (
    cancel_order,
    create_shipment,
    deliver_shipment,
    dispatch_shipment,
    watch_shipment,
)

POLL = 0.25


async def pending(state: State) -> Shipment:
    order = paid_order()
    await create_shipment(FakeUnitOfWork(state), order, delivery=delivery(), shipment_id=new_id(), now=NOW)
    return next(iter(state.shipments.values()))


def watch(
    state: State,
    *,
    shipment_id: str | None = None,
    order_id: str | None = None,
    feed: SilentFeed | None = None,
) -> AsyncGenerator[Shipment, None]:
    feed = feed or SilentFeed()
    return watch_shipment(
        FakeQueries(state), feed, shipment_id=shipment_id, order_id=order_id, poll_seconds=POLL
    )


def statuses(updates: list[Shipment]) -> list[ShipmentStatus]:
    return [update.status for update in updates]


async def test_a_change_no_signal_announced_is_found_by_polling(state: State) -> None:
    shipment = await pending(state)
    feed = SilentFeed()
    updates = watch(state, shipment_id=shipment.shipment_id, feed=feed)
    assert (await anext(updates)).status is ShipmentStatus.PENDING
    await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    assert (await anext(updates)).status is ShipmentStatus.DISPATCHED
    assert feed.signal.waits == [POLL]


async def test_changes_made_between_two_reads_are_each_reported_and_the_stream_ends(state: State) -> None:
    shipment = await pending(state)
    updates = watch(state, shipment_id=shipment.shipment_id)
    first = await anext(updates)
    await dispatch_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATER)
    await deliver_shipment(FakeUnitOfWork(state), shipment.shipment_id, now=LATEST)
    rest = [update async for update in updates]
    assert statuses([first, *rest]) == [
        ShipmentStatus.PENDING,
        ShipmentStatus.DISPATCHED,
        ShipmentStatus.DELIVERED,
    ]
    assert rest[0].history == rest[1].history[:2]
    assert rest[0].update_time == LATER


async def test_a_shipment_already_final_is_sent_once_with_its_whole_history(state: State) -> None:
    shipment = await pending(state)
    await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATER)
    updates = [update async for update in watch(state, order_id=shipment.order_id)]
    assert statuses(updates) == [ShipmentStatus.CANCELLED]
    assert len(updates[0].history) == 2


async def test_the_cancellation_reason_appears_with_the_cancelled_entry(state: State) -> None:
    shipment = await pending(state)
    updates = watch(state, shipment_id=shipment.shipment_id)
    first = await anext(updates)
    await cancel_order(FakeUnitOfWork(state), cancel_request(shipment.order_id), now=LATER)
    last = await anext(updates)
    assert first.cancellation_reason is None
    assert last.cancellation_reason is not None


async def test_watching_needs_exactly_one_target_that_exists(state: State) -> None:
    shipment = await pending(state)
    with pytest.raises(InvalidRequest):
        await anext(watch(state))
    with pytest.raises(InvalidRequest):
        await anext(watch(state, shipment_id=shipment.shipment_id, order_id=shipment.order_id))
    with pytest.raises(ShipmentNotFound):
        await anext(watch(state, shipment_id=new_id()))


async def test_a_committed_change_wakes_its_watchers_long_before_the_poll_period() -> None:
    changes = ShipmentChanges()
    with changes.watch("s-1") as signal, changes.watch("s-1") as other:
        changes.notify(["s-2", "s-1"])
        # The bound only turns a lost wake-up into a failure instead of a ten-minute wait.
        async with asyncio.timeout(5):
            await signal.wait(600)
            await other.wait(600)
    assert changes.watched == 0


async def test_a_watcher_that_leaves_is_forgotten(state: State) -> None:
    shipment = await pending(state)
    changes = ShipmentChanges()
    updates = watch_shipment(
        FakeQueries(state), changes, shipment_id=shipment.shipment_id, order_id=None, poll_seconds=POLL
    )
    await anext(updates)
    assert changes.watched == 1
    await updates.aclose()
    assert changes.watched == 0
