"""Lookups on the loop's own SQLite connection: the latest commit, and None whenever SQLite cannot answer."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import create_engine
from chassis.prepared import PreparedStatement
from chassis.sqlite_lookups import SqliteLookups
from tests.chassis.tables import engine_with_tables

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
AT = datetime(2026, 11, 28, 9, 30, 0, 250000, tzinfo=UTC)
BY_ID = PreparedStatement(select(notes).where(notes.c.id == bindparam("b_id")))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await engine_with_tables(f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}", metadata)
    async with engine.begin() as connection:
        await connection.execute(insert(notes), [{"id": 1, "text": "first", "at": AT}])
    yield engine
    await engine.dispose()


async def test_a_lookup_reads_the_row_as_sqlalchemy_reads_it(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        expected = dict((await connection.execute(select(notes))).mappings().one())
    assert expected["text"] == "first"
    assert expected["at"].replace(tzinfo=UTC) == AT
    lookups = SqliteLookups.for_engine(engine)
    assert lookups is not None
    try:
        found = lookups.execute(BY_ID, {"b_id": 1})
        assert found is not None
        assert found.first_mapping() == expected
        missing = lookups.execute(BY_ID, {"b_id": 2})
        assert missing is not None
        assert missing.first_mapping() is None
    finally:
        lookups.close()


async def test_each_lookup_sees_the_commits_made_before_it(engine: AsyncEngine) -> None:
    lookups = SqliteLookups.for_engine(engine)
    assert lookups is not None
    try:
        assert lookups.execute(BY_ID, {"b_id": 1}) is not None  # the connection is open from here on
        async with engine.begin() as connection:
            await connection.execute(update(notes).where(notes.c.id == 1).values(text="second"))
        found = lookups.execute(BY_ID, {"b_id": 1})
        assert found is not None
        assert found.scalar() == 1
        assert (found.first_mapping() or {})["text"] == "second"
    finally:
        lookups.close()


async def test_a_locked_file_answers_none_so_the_caller_reads_through_its_engine(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    lookups = SqliteLookups.for_engine(engine)
    assert lookups is not None
    await engine.dispose()  # no other connection may have the file open when one takes it exclusively
    # An exclusive lock (what recovery or a log reset holds) keeps even WAL readers out.
    holder = sqlite3.connect(tmp_path / "notes.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE notes SET text = 'held' WHERE id = 1")
        assert lookups.execute(BY_ID, {"b_id": 1}) is None
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        lookups.close()


async def test_a_lookup_never_writes(engine: AsyncEngine) -> None:
    lookups = SqliteLookups.for_engine(engine)
    assert lookups is not None
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            lookups.execute(PreparedStatement(update(notes).values(text="changed")), {})
    finally:
        lookups.close()
    async with engine.connect() as connection:
        assert (await connection.execute(select(notes.c.text))).scalar_one() == "first"


async def test_only_sqlite_files_get_lookups(tmp_path: Path) -> None:
    memory = create_engine("sqlite+aiosqlite:///:memory:")
    postgres = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert SqliteLookups.for_engine(memory) is None
        assert SqliteLookups.for_engine(postgres) is None
    finally:
        await memory.dispose()
        await postgres.dispose()
