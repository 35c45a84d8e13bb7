"""SQLite engine tuning and the unit of work: state and outbox rows commit together or not at all."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, insert, make_url, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.db import SqlUnitOfWork, create_engine, ping, session_factory, wal_checkpointer
from chassis.outbox import event_message
from chassis.transaction_batch import SpoiledBatch, TransactionBatch

from .conftest import Store

EVENT = "mercado.dbtest.v1.Counted"


async def count(store: Store, table_name: str) -> int:
    table = {"outbox": store.outbox.table, "effects": store.effects}[table_name]
    async with store.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_sqlite_engine_creates_the_directory_and_tunes_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "svc.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    reader = create_engine(f"sqlite+aiosqlite:///{path}", read_only=True)
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        async with reader.connect() as connection:
            reader_busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert path.exists()
        # The writer runs on the event loop and waits for locks in asyncio, never in SQLite's handler.
        assert (journal, busy, foreign_keys) == ("wal", 0, 1)
        assert reader_busy == 0
        assert await ping(engine)
    finally:
        await engine.dispose()
        await reader.dispose()


async def test_a_writer_waiting_for_another_connections_lock_leaves_the_event_loop_running(
    store: Store, sqlite_url: str
) -> None:
    other_process = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with SqlUnitOfWork(store.sessions) as uow:
            await uow.connection.execute(insert(store.effects).values(event_id="after the lock"))
            await uow.commit()

    writer = asyncio.create_task(write())
    try:
        # The timeout can only fire if the loop keeps turning while the writer waits for the lock.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer), 0.3)
        assert not writer.done()
    finally:
        other_process.rollback()
        other_process.close()
    await asyncio.wait_for(writer, 10)
    assert await count(store, "effects") == 1


async def test_concurrent_read_modify_write_transactions_neither_fail_nor_lose_updates(
    store: Store, sqlite_url: str
) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(insert(store.effects).values(id=1, event_id="0"))
    # A second engine on the same file behaves like another process (or a relay replica) writing.
    other = create_engine(sqlite_url)

    async def increment(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with SqlUnitOfWork(sessions) as uow:
            current = (await uow.connection.execute(select(store.effects.c.event_id))).scalar_one()
            await asyncio.sleep(0)  # let the other engine's transaction try to interleave here
            await uow.connection.execute(update(store.effects).values(event_id=str(int(current) + 1)))
            await uow.commit()

    try:
        await asyncio.gather(*(increment(s) for s in [store.sessions, session_factory(other)] * 10))
    finally:
        await other.dispose()

    async with store.sessions() as session:
        assert (await session.execute(select(store.effects.c.event_id))).scalar_one() == "20"


async def test_commit_writes_state_and_outbox_rows_together(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        await uow.connection.execute(insert(store.effects).values(event_id="e-1"))
        uow.publish(event_message(EVENT, b"payload", source="mercado/test"))
        await uow.commit()

    assert await count(store, "effects") == 1
    async with store.sessions() as session:
        row = (await session.execute(select(store.outbox.table))).one()
    assert row.event_type == EVENT
    assert row.subject == EVENT
    assert row.payload == b"payload"
    assert row.headers["ce-id"] == row.event_id
    assert row.published_at is None


async def test_leaving_without_commit_discards_state_and_staged_events(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        await uow.connection.execute(insert(store.effects).values(event_id="e-1"))
        uow.publish(event_message(EVENT, b"payload", source="mercado/test"))

    async def failing_use_case() -> None:
        async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
            await uow.connection.execute(insert(store.effects).values(event_id="e-2"))
            uow.publish(event_message(EVENT, b"payload", source="mercado/test"))
            raise RuntimeError("use case failed")

    with pytest.raises(RuntimeError, match="use case failed"):
        await failing_use_case()

    assert await count(store, "effects") == 0
    assert await count(store, "outbox") == 0


async def test_rollback_drops_staged_events_so_a_later_commit_does_not_write_them(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        uow.publish(event_message(EVENT, b"first", source="mercado/test"))
        await uow.rollback()
        await uow.connection.execute(insert(store.effects).values(event_id="e-3"))
        await uow.commit()

    assert await count(store, "effects") == 1
    assert await count(store, "outbox") == 0


async def test_commit_wakes_the_relay_only_when_events_were_written(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        await uow.commit()
    assert not await store.outbox.wait(0)

    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        uow.publish(event_message(EVENT, b"x", source="mercado/test"))
        await uow.commit()
    assert await store.outbox.wait(0)


async def test_publishing_without_an_outbox_is_refused(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions) as uow:
        with pytest.raises(RuntimeError, match="no outbox"):
            uow.publish(event_message(EVENT, b"x", source="mercado/test"))


async def test_ping_reports_an_unreachable_database_as_unhealthy() -> None:
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")
    try:
        assert not await ping(engine, within=2.0)
    finally:
        await engine.dispose()


async def test_read_only_engine_reads_beside_an_open_write_and_refuses_to_write(
    store: Store, sqlite_url: str
) -> None:
    reader = create_engine(sqlite_url, read_only=True)
    try:
        async with SqlUnitOfWork(store.sessions) as uow:
            await uow.connection.execute(insert(store.effects).values(event_id="uncommitted"))
            # The writer holds SQLite's write lock; a read must neither wait for it nor see its row.
            async with asyncio.timeout(5), reader.connect() as connection:
                assert (
                    await connection.execute(select(func.count()).select_from(store.effects))
                ).scalar_one() == 0
            await uow.commit()

        async with reader.connect() as connection:
            assert (
                await connection.execute(select(func.count()).select_from(store.effects))
            ).scalar_one() == 1
            with pytest.raises(OperationalError, match="readonly"):
                await connection.execute(insert(store.effects).values(event_id="from reader"))
    finally:
        await reader.dispose()


async def test_units_of_work_in_a_batch_become_durable_together_when_the_batch_commits(
    store: Store,
) -> None:
    batch = TransactionBatch()
    with batch.active():
        for event_id in ("first", "second"):
            async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
                await uow.connection.execute(insert(store.effects).values(event_id=event_id))
                uow.publish(event_message(EVENT, event_id.encode(), source="mercado/test"))
                await uow.commit()
    # Committed units of work are not durable yet, and the relay is not woken before the batch commits.
    assert not await store.outbox.wait(0)
    await batch.commit()
    await batch.close()

    assert await store.outbox.wait(0)
    assert await count(store, "effects") == 2
    assert await count(store, "outbox") == 2


async def test_a_unit_of_work_left_uncommitted_spoils_its_batch_so_nothing_is_kept(store: Store) -> None:
    batch = TransactionBatch()

    async def failing_use_case() -> None:
        async with SqlUnitOfWork(store.sessions, store.outbox) as failed:
            await failed.connection.execute(insert(store.effects).values(event_id="failed"))
            raise RuntimeError("use case failed")

    with batch.active():
        async with SqlUnitOfWork(store.sessions) as kept:
            await kept.connection.execute(insert(store.effects).values(event_id="kept"))
            await kept.commit()
        with pytest.raises(RuntimeError, match="use case failed"):
            await failing_use_case()

    assert batch.spoiled
    with pytest.raises(SpoiledBatch):
        await batch.commit()
    await batch.close()
    assert await count(store, "effects") == 0


async def test_a_batch_closed_without_commit_keeps_nothing(store: Store) -> None:
    batch = TransactionBatch()
    with batch.active():
        async with SqlUnitOfWork(store.sessions) as uow:
            await uow.connection.execute(insert(store.effects).values(event_id="never"))
            await uow.commit()
    await batch.close()

    assert await count(store, "effects") == 0


async def test_the_writer_leaves_checkpoints_to_a_checkpointer_off_the_event_loop(
    store: Store, sqlite_url: str
) -> None:
    database = make_url(sqlite_url).database or ""
    async with store.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
    async with store.engine.begin() as connection:
        rows = [{"event_id": f"e-{n:060d}"} for n in range(3000)]  # well past the 1000-page default
        await connection.execute(insert(store.effects), rows)
    size_before = await asyncio.to_thread(os.path.getsize, database)
    checkpointer = wal_checkpointer(store.engine)
    assert checkpointer is not None

    await asyncio.to_thread(checkpointer.checkpoint)

    # The rows lived only in the write-ahead log; the checkpoint copied them into the database file.
    assert await asyncio.to_thread(os.path.getsize, database) > size_before
    assert await count(store, "effects") == 3000


def test_only_file_backed_sqlite_needs_a_checkpointer() -> None:
    assert wal_checkpointer(create_engine("sqlite+aiosqlite:///:memory:")) is None
    assert wal_checkpointer(create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")) is None
