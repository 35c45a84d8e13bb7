"""The read path on real databases: a lookup sees every commit at once, and a locked SQLite still answers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chassis.db import create_engine, session_factory
from chassis.outbox import Outbox
from inventory.migrations import upgrade_to_head
from inventory.store import InventoryUnitOfWork, SqlQueries, metadata, outbox
from inventory.store.rows import item_to_row
from inventory.store.tables import items
from inventory.tests import builders
from inventory.tests.builders import NOW, new_item
from inventory.use_cases import StockAdjustment, UnitOfWork, adjust_stock, create_item


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

    await create_item(make(), new_item("MUG-001", on_hand=10), now=NOW)
    return make


@pytest.fixture
def queries(engine: AsyncEngine) -> Iterator[SqlQueries]:
    reader = SqlQueries(engine)
    yield reader
    reader.close()


async def test_a_lookup_returns_the_item_as_it_was_stored(
    unit_of_work: Callable[[], UnitOfWork], queries: SqlQueries
) -> None:
    item = await queries.item("MUG-001")

    assert item is not None
    assert (item.sku, item.unit_price.amount_minor, item.unit_price.currency) == ("MUG-001", 1250, "EUR")
    assert (item.on_hand, item.reserved, item.available) == (10, 0, 10)
    assert item.create_time == item.update_time == NOW  # aware UTC, as written
    assert await queries.item("NOPE-404") is None


async def test_a_lookup_sees_each_commit_made_after_the_previous_lookup(
    unit_of_work: Callable[[], UnitOfWork], queries: SqlQueries
) -> None:
    for delta, expected in ((5, 15), (-12, 3)):
        await adjust_stock(unit_of_work(), StockAdjustment("MUG-001", delta, "audit"), now=NOW)
        item = await queries.item("MUG-001")
        assert item is not None
        assert item.on_hand == expected


async def test_a_lookup_that_finds_sqlite_locked_waits_off_the_loop_and_then_answers(tmp_path: Path) -> None:
    # A WAL reader is locked out only in rare moments (recovery, a log reset), so this database
    # keeps SQLite's rollback journal, where a writer's exclusive lock keeps every reader out.
    path = tmp_path / "locked.db"
    with create_sync_engine(f"sqlite:///{path}").begin() as connection:
        metadata.create_all(connection, tables=[items])
        connection.execute(insert(items).values(item_to_row(builders.item("MUG-001", on_hand=10))))
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    queries = SqlQueries(engine)
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        assert (await queries.item("MUG-001")) == builders.item("MUG-001", on_hand=10)
        locker.execute("BEGIN EXCLUSIVE")
        locker.execute("UPDATE items SET on_hand = 42 WHERE sku = 'MUG-001'")
        lookup = asyncio.create_task(queries.item("MUG-001"))
        # The loop keeps turning while the lookup waits for the lock, in a thread.
        for _ in range(20):
            await asyncio.sleep(0)
        assert not lookup.done()
        locker.execute("COMMIT")
        found = await asyncio.wait_for(lookup, timeout=10)
    finally:
        locker.close()
        queries.close()
        await engine.dispose()
    assert found is not None
    assert found.on_hand == 42
