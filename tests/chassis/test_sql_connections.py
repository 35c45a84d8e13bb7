"""A transaction's connection, opened and given back in one step: committed work stays, the rest does not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.sql_connections import begin_connection, release_connection
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
