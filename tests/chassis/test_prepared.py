"""Prepared statements: the same rows, errors and transactions as running the statement through SQLAlchemy."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    make_url,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.prepared import PreparedStatement, Rows
from tests.chassis.tables import engine_with_tables

WRITTEN_AT = datetime(2026, 11, 28, 7, 30, 15, 123456, tzinfo=UTC)
DEFAULT_AT = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("count", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, default=lambda: DEFAULT_AT),
)
t = things.c

INSERT = PreparedStatement(insert(things))
INSERT_RETURNING = PreparedStatement(insert(things).returning(t.seq, t.at))
FIND = PreparedStatement(select(things).where(t.name == bindparam("b_name")))
BUMP = PreparedStatement(
    update(things)
    .where(t.name == bindparam("b_name"))
    .values(count=t.count + bindparam("b_by"))
    .returning(t.count)
)
MANY = PreparedStatement(select(t.name).where(t.name.in_(bindparam("b_names", expanding=True))))


def row(name: str, count: int = 1) -> dict[str, object]:
    return {"name": name, "count": count, "body": {"k": [1, "two"]}, "blob": b"\x00\xff", "at": WRITTEN_AT}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_tables(database_url, metadata)
    yield engine
    await engine.dispose()


async def test_rows_written_prepared_read_back_through_sqlalchemy_and_back(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await INSERT.execute(connection, row("prepared"))
        await connection.execute(insert(things).values(row("core")))
    async with engine.begin() as connection:
        by_core = (await connection.execute(select(things).where(t.name == "prepared"))).mappings().one()
        by_prepared = (await FIND.execute(connection, {"b_name": "core"})).first_mapping()
    assert by_prepared is not None
    for found, name in ((dict(by_core), "prepared"), (by_prepared, "core")):
        assert found["name"] == name
        assert (found["count"], found["body"], found["blob"]) == (1, {"k": [1, "two"]}, b"\x00\xff")
        assert found["at"].replace(tzinfo=UTC) == WRITTEN_AT


async def test_returning_a_python_default_and_a_row_count(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        without_time = {key: value for key, value in row("defaulted").items() if key != "at"}
        returned = (await INSERT_RETURNING.execute(connection, without_time)).first_mapping()
        bumped = await BUMP.execute(connection, {"b_name": "defaulted", "b_by": 4})
        missing = await BUMP.execute(connection, {"b_name": "nobody", "b_by": 4})
    assert returned is not None
    assert returned["seq"] >= 1
    assert returned["at"].replace(tzinfo=UTC) == DEFAULT_AT
    assert (bumped.keys, bumped.rows, bumped.rowcount) == (("count",), [(5,)], 1)
    assert (missing.first(), missing.scalar()) == (None, None)


async def test_a_list_of_rows_is_inserted_at_once(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await INSERT.execute_many(connection, [row("a"), row("b"), row("c")])
    async with engine.begin() as connection:
        names = (await MANY.execute(connection, {"b_names": ["a", "c", "z"]})).mappings()
        # Each list length is its own plan, the empty list included.
        one = (await MANY.execute(connection, {"b_names": ["b"]})).mappings()
        none = (await MANY.execute(connection, {"b_names": []})).mappings()
    assert sorted(found["name"] for found in names) == ["a", "c"]
    assert (one, none) == ([{"name": "b"}], [])


async def test_a_constraint_violation_is_sqlalchemys_error_and_the_work_goes_on(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await INSERT.execute(connection, row("taken"))
    async with engine.connect() as connection:
        await connection.begin()
        await INSERT.execute(connection, row("fresh"))
        with pytest.raises(IntegrityError):
            await INSERT.execute(connection, row("taken"))
        if engine.dialect.name == "sqlite":  # PostgreSQL aborts the transaction on any error
            await BUMP.execute(connection, {"b_name": "fresh", "b_by": 1})
            await connection.commit()
            found = (await FIND.execute(connection, {"b_name": "fresh"})).first_mapping()
            assert found is not None
            assert found["count"] == 2


async def test_a_failing_row_in_a_list_is_sqlalchemys_error(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.begin()
        with pytest.raises(IntegrityError):
            await INSERT.execute_many(connection, [row("x"), row("x")])
        await connection.rollback()
        assert (await connection.execute(select(func.count()).select_from(things))).scalar_one() == 0


async def test_a_required_parameter_left_out_is_an_error_not_a_null(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await INSERT.execute(connection, row("kept"))
        with pytest.raises(SQLAlchemyError, match="b_by"):
            await BUMP.execute(connection, {"b_name": "kept"})
        found = (await FIND.execute(connection, {"b_name": "kept"})).first_mapping()
    assert found is not None
    assert found["count"] == 1


async def test_outside_a_transaction_the_statement_begins_one_like_sqlalchemy(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await INSERT.execute(connection, row("autobegun"))
        assert connection.in_transaction()
        await connection.rollback()
        assert (await FIND.execute(connection, {"b_name": "autobegun"})).first() is None


async def test_a_statement_refused_the_lock_waits_for_it_without_stopping_the_loop(sqlite_url: str) -> None:
    engine = await engine_with_tables(sqlite_url, metadata)
    other = sqlite3.connect(make_url(sqlite_url).database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with engine.connect() as connection:
                # A DEFERRED transaction asks for the write lock at its first write, here the
                # prepared statement's: SQLite refuses it and SQLAlchemy's path waits in asyncio.
                deferred = await connection.execution_options(sqlite_begin="DEFERRED")
                await deferred.begin()
                await INSERT.execute(deferred, row("mine"))
                await deferred.commit()

        writer = asyncio.create_task(write())
        # The timeout can only fire if the loop keeps turning while the writer waits for the lock.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(writer), 0.3)
        assert not writer.done()
        other.rollback()
        await asyncio.wait_for(writer, 10)
        async with engine.connect() as connection:
            names = (await MANY.execute(connection, {"b_names": ["mine"]})).mappings()
        assert names == [{"name": "mine"}]
    finally:
        other.close()
        await engine.dispose()


def test_rows_shapes() -> None:
    rows = Rows(("a", "b"), [(1, 2), (3, 4)], 2)
    assert rows.first() == (1, 2)
    assert rows.first_mapping() == {"a": 1, "b": 2}
    assert rows.mappings() == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert rows.scalar() == 1
    with pytest.raises(LookupError):
        rows.one_mapping()
    assert Rows(("a",), [(9,)], 1).one_mapping() == {"a": 9}
    assert Rows((), [], 0).first_mapping() is None


async def test_timestamps_keep_their_precision(engine: AsyncEngine) -> None:
    later = WRITTEN_AT + timedelta(microseconds=1)
    async with engine.begin() as connection:
        await INSERT.execute(connection, {**row("precise"), "at": later})
        found = (await FIND.execute(connection, {"b_name": "precise"})).first_mapping()
    assert found is not None
    assert found["at"].replace(tzinfo=UTC) == later
