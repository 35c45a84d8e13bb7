"""The expiry bookkeeping in SQL, on SQLite and PostgreSQL: what a sweep claims, and that it claims once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import create_engine, session_factory
from chassis.outbox import Outbox
from inventory.migrations import upgrade_to_head
from inventory.store import InventoryUnitOfWork, outbox
from inventory.tests.builders import LIMITS, NOW, TTL, new_item, order
from inventory.use_cases import (
    Delivery,
    ExpiredReservation,
    UnitOfWork,
    create_item,
    record_payment,
    reserve_stock,
)

EXPIRED = NOW + TTL + timedelta(seconds=1)
LONG_AGO = NOW - timedelta(days=1)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def unit_of_work(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    sessions, box = session_factory(engine), Outbox(outbox)

    def make() -> UnitOfWork:
        return InventoryUnitOfWork(sessions, box)

    await create_item(make(), new_item("MUG-001", on_hand=100), now=NOW)
    return make


async def reserve(unit_of_work: Callable[[], UnitOfWork], *, at: datetime = NOW) -> str:
    reservation = await reserve_stock(unit_of_work(), order(("MUG-001", 1)), limits=LIMITS, ttl=TTL, now=at)
    return reservation.order_id


async def claim(
    unit_of_work: Callable[[], UnitOfWork], *, at: datetime = EXPIRED, limit: int = 10
) -> Sequence[ExpiredReservation]:
    async with unit_of_work() as uow:
        claimed = await uow.expiry.claim_expired(now=at, asked_before=LONG_AGO, limit=limit)
        await uow.commit()
    return claimed


async def test_a_claim_returns_expired_unpaid_reservations_oldest_first_and_only_once(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    later = await reserve(unit_of_work, at=NOW + timedelta(seconds=1))
    sooner = await reserve(unit_of_work, at=NOW)
    paid = await reserve(unit_of_work, at=NOW)
    await reserve(unit_of_work, at=EXPIRED)  # not expired yet
    delivery = Delivery("inventory--billing-v1-PaymentCaptured", "payment-1")
    await record_payment(unit_of_work(), paid, delivery=delivery, now=NOW)
    claimed = await claim(unit_of_work, at=EXPIRED + timedelta(seconds=1))
    assert [(r.order_id, r.customer_id) for r in claimed] == [(sooner, "alice"), (later, "alice")]
    assert claimed[0].expire_time == NOW + TTL
    assert await claim(unit_of_work, at=EXPIRED + timedelta(seconds=2)) == []


async def test_released_claims_are_claimed_again_by_the_next_sweep(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    order_id = await reserve(unit_of_work)
    assert [r.order_id for r in await claim(unit_of_work)] == [order_id]
    async with unit_of_work() as uow:
        await uow.expiry.release_claims([order_id], claimed_at=EXPIRED)
        await uow.commit()
    assert [r.order_id for r in await claim(unit_of_work, at=EXPIRED + timedelta(seconds=5))] == [order_id]


async def test_concurrent_sweeps_never_claim_the_same_reservation(
    unit_of_work: Callable[[], UnitOfWork],
) -> None:
    orders = {await reserve(unit_of_work) for _ in range(6)}
    batches = await asyncio.gather(*(claim(unit_of_work, limit=2) for _ in range(4)))
    claimed = [r.order_id for batch in batches for r in batch]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) <= orders
