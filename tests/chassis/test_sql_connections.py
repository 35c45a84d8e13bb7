"""A transaction's connection, opened and given back in one step: committed work stays, the rest does not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chassis.db import create_engine
from chassis.sql_connections import begin_connection, commit_connection, release_connection
from tests.chassis.tables import engine_with_tables

metadata = MetaData()
marks = Table("marks", metadata, Column("id", Integer, primary_key=True), Column("label", String(20)))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_tables(database_url, metadata)
    yield engine
    await engine.dispose()


async def _labels(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(marks.c.label).order_by(marks.c.id))).scalars())


async def test_committed_work_stays_and_the_connection_goes_back_to_the_pool(engine: AsyncEngine) -> None:
    for label in ("one", "two", "three"):  # SQLite's writer pool holds one connection: it must come back
        connection = await begin_connection(engine)
        try:
            assert connection.in_transaction()
            await connection.execute(insert(marks).values(label=label))
            await connection.commit()
        finally:
            await release_connection(connection)
    assert await _labels(engine) == ["one", "two", "three"]


async def test_work_left_uncommitted_is_rolled_back_on_release(engine: AsyncEngine) -> None:
    connection = await begin_connection(engine)
    try:
        await connection.execute(insert(marks).values(label="kept"))
        await connection.commit()
        await connection.begin()
        await connection.execute(insert(marks).values(label="dropped"))
    finally:
        await release_connection(connection)
    assert await _labels(engine) == ["kept"]


async def test_a_failure_inside_the_transaction_leaves_nothing_behind(engine: AsyncEngine) -> None:
    connection = await begin_connection(engine)
    try:
        await connection.execute(insert(marks).values(id=1, label="first"))
        with pytest.raises(IntegrityError):
            await connection.execute(insert(marks).values(id=1, label="again"))
    finally:
        await release_connection(connection)
    async with engine.connect() as check:
        assert (await check.execute(select(func.count()).select_from(marks))).scalar_one() == 0


async def test_a_sqlite_writer_waits_for_the_one_connection_in_asyncio(sqlite_url: str) -> None:
    engine = await engine_with_tables(sqlite_url, metadata)
    try:
        holder = await begin_connection(engine)
        # Queues for the pool's only connection while the holder keeps working on the same loop.
        waiter = asyncio.create_task(begin_connection(engine))
        await holder.execute(insert(marks).values(label="first"))
        await holder.commit()
        await release_connection(holder)
        second = await asyncio.wait_for(waiter, timeout=5)
        try:
            await second.execute(insert(marks).values(label="second"))
            await second.commit()
        finally:
            await release_connection(second)
        assert await _labels(engine) == ["first", "second"]
    finally:
        await engine.dispose()


async def _write(engine: AsyncEngine, label: str, started: list[str]) -> None:
    connection = await begin_connection(engine)
    try:
        started.append(label)
        await connection.execute(insert(marks).values(label=label))
        await asyncio.sleep(0)  # let the other writers run while this one holds the transaction
        await commit_connection(connection)
    finally:
        await release_connection(connection)


async def test_sqlite_writers_take_turns_in_the_order_they_came(sqlite_url: str) -> None:
    engine = await engine_with_tables(sqlite_url, metadata)
    try:
        started: list[str] = []
        labels = [f"w{number}" for number in range(6)]
        await asyncio.wait_for(asyncio.gather(*(_write(engine, label, started) for label in labels)), 5)
        assert started == labels
        assert await _labels(engine) == labels
    finally:
        await engine.dispose()


async def test_a_writer_waits_while_another_user_of_the_engine_holds_its_connection(sqlite_url: str) -> None:
    engine = await engine_with_tables(sqlite_url, metadata)
    try:
        async with engine.connect() as other:  # not a writer's turn: it took the pool's one connection
            writer = asyncio.create_task(_write(engine, "after", []))
            await other.execute(insert(marks).values(label="before"))
            await other.commit()
            await asyncio.sleep(0.05)
            assert not writer.done()
        await asyncio.wait_for(writer, 5)
        assert await _labels(engine) == ["before", "after"]
    finally:
        await engine.dispose()


async def test_a_writer_waits_for_a_write_lock_another_connection_holds(sqlite_url: str) -> None:
    engine = await engine_with_tables(sqlite_url, metadata)
    elsewhere = create_engine(sqlite_url)  # a second engine on the file: another writer's connection
    try:
        holder = await begin_connection(elsewhere)
        await holder.execute(insert(marks).values(label="elsewhere"))
        writer = asyncio.create_task(_write(engine, "here", []))
        await asyncio.sleep(0.05)
        assert not writer.done()  # BEGIN IMMEDIATE was refused and is waiting, not failing
        await commit_connection(holder)
        await release_connection(holder)
        await asyncio.wait_for(writer, 5)
        assert await _labels(engine) == ["elsewhere", "here"]
    finally:
        await elsewhere.dispose()
        await engine.dispose()


async def test_work_done_through_sqlalchemy_in_the_transaction_is_committed(database_url: str) -> None:
    engine = await engine_with_tables(database_url, metadata)
    try:
        connection = await begin_connection(engine)
        try:
            # A statement SQLAlchemy runs itself (not a chassis.prepared one) joins the same transaction.
            await connection.execute(insert(marks).values(label="core"))
            await commit_connection(connection)
            assert not connection.in_transaction()
        finally:
            await release_connection(connection)
        assert await _labels(engine) == ["core"]
    finally:
        await engine.dispose()


def test_a_sqlite_engine_serves_one_event_loop_after_another(sqlite_url: str) -> None:
    async def once(engine: AsyncEngine, label: str) -> None:
        await asyncio.gather(_write(engine, label, []), _write(engine, label.upper(), []))

    async def create() -> AsyncEngine:
        return await engine_with_tables(sqlite_url, metadata)

    engine = asyncio.run(create())
    asyncio.run(once(engine, "a"))  # each run has its own loop; the writers' turns follow
    asyncio.run(once(engine, "b"))
    assert asyncio.run(_labels(engine)) == ["a", "A", "b", "B"]
    asyncio.run(engine.dispose())


async def test_a_sqlite_file_engine_on_aiosqlite_keeps_sqlalchemys_own_calls(sqlite_url: str) -> None:
    engine = create_async_engine(sqlite_url.replace("/data/", "/"))  # aiosqlite's threads, not the loop's
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        for label in ("first", "second"):  # the first tells the pool's kind, the second uses what it learnt
            await _write(engine, label, [])
        assert await _labels(engine) == ["first", "second"]
    finally:
        await engine.dispose()
