"""SQLite engine tuning and the unit of work: state and outbox rows commit together or not at all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.db import SqlUnitOfWork, create_engine, ping, session_factory
from chassis.outbox import event_message

from .conftest import Store

EVENT = "mercado.dbtest.v1.Counted"


async def count(store: Store, table_name: str) -> int:
    table = {"outbox": store.outbox.table, "effects": store.effects}[table_name]
    async with store.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_sqlite_engine_creates_the_directory_and_tunes_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "svc.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        assert path.exists()
        assert (journal, busy, foreign_keys) == ("wal", 30000, 1)
        assert await ping(engine)
    finally:
        await engine.dispose()


async def test_concurrent_read_modify_write_transactions_neither_fail_nor_lose_updates(
    store: Store, sqlite_url: str
) -> None:
    async with store.sessions() as session, session.begin():
        await session.execute(insert(store.effects).values(id=1, event_id="0"))
    # A second engine on the same file behaves like another process (or a relay replica) writing.
    other = create_engine(sqlite_url)

    async def increment(sessions: async_sessionmaker[AsyncSession]) -> None:
        async with SqlUnitOfWork(sessions) as uow:
            current = (await uow.session.execute(select(store.effects.c.event_id))).scalar_one()
            await asyncio.sleep(0)  # let the other engine's transaction try to interleave here
            await uow.session.execute(update(store.effects).values(event_id=str(int(current) + 1)))
            await uow.commit()

    try:
        await asyncio.gather(*(increment(s) for s in [store.sessions, session_factory(other)] * 10))
    finally:
        await other.dispose()

    async with store.sessions() as session:
        assert (await session.execute(select(store.effects.c.event_id))).scalar_one() == "20"


async def test_commit_writes_state_and_outbox_rows_together(store: Store) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        await uow.session.execute(insert(store.effects).values(event_id="e-1"))
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
        await uow.session.execute(insert(store.effects).values(event_id="e-1"))
        uow.publish(event_message(EVENT, b"payload", source="mercado/test"))

    async def failing_use_case() -> None:
        async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
            await uow.session.execute(insert(store.effects).values(event_id="e-2"))
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
        await uow.session.execute(insert(store.effects).values(event_id="e-3"))
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
            await uow.session.execute(insert(store.effects).values(event_id="uncommitted"))
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
