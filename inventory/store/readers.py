"""How the read path reaches the database: SQLite lookups on the event loop, other reads in a thread.

CPU per GetItem lookup on the 2-core dev box: through the async aiosqlite driver ~550 us, as every
DBAPI call is its own round trip to aiosqlite's thread; the whole read on a pysqlite connection in
a worker thread ~80-110 us, mostly the hop (futures, two thread wake-ups, the GIL changing hands);
inside the loaded service, on a SQLAlchemy Connection the loop keeps ~90 us, and the same SELECT
prepared once and run on the loop's own pysqlite cursor ~30 us, row conversions included. A
primary-key lookup in WAL mode never waits for the writer and reads a few cached pages, so it runs
on the loop; reads whose cost grows with the data (listings) keep the thread.
asyncpg has no threads, so PostgreSQL reads stay on the loop, in autocommit to save BEGIN/ROLLBACK.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Select, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import is_sqlite_file
from chassis.prepared import PreparedStatement
from chassis.sqlite_lookups import SqliteLookups

T = TypeVar("T")
# A row keyed by column name (SQLAlchemy's RowMapping also accepts its Column objects as keys).
Row = Mapping[Any, Any]

READ_THREADS = 4
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class Reader(Protocol):
    async def run(self, read: Callable[[Connection], T]) -> T:
        """Any read; it may take as long as the data it reads."""
        ...

    async def lookup(self, statement: Select[Any], values: Mapping[str, Any]) -> Row | None:
        """The first row of a SELECT through an index, whose cost does not grow with the table.

        `statement` is built once (a module constant): readers may prepare it once per statement.
        """
        ...

    def close(self) -> None: ...


def reader_for(engine: AsyncEngine) -> Reader:
    return SqliteReader(engine) if is_sqlite_file(engine.url) else LoopReader(engine)


class SqliteReader:
    """Lookups on the event loop's own SQLite connection (chassis.sqlite_lookups); other reads in threads."""

    def __init__(self, engine: AsyncEngine) -> None:
        # pysqlite issues no BEGIN before a SELECT, so each thread read is one statement.
        self._engine = create_engine(
            engine.url.set(drivername="sqlite"),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="inventory-read")
        self._prepared: dict[Select[Any], PreparedStatement] = {}
        self._lookups = SqliteLookups(engine)

    async def run(self, read: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._read, read)

    async def lookup(self, statement: Select[Any], values: Mapping[str, Any]) -> Row | None:
        prepared = self._prepared.get(statement)
        if prepared is None:
            prepared = self._prepared[statement] = PreparedStatement(statement)
        found = self._lookups.execute(prepared, values)
        if found is None:  # locked for a moment, or not preparable: wait in a thread like other reads
            return await self.run(lambda db: db.execute(statement, values).mappings().first())
        return found.first_mapping()

    def _read(self, read: Callable[[Connection], T]) -> T:
        with self._engine.connect() as connection:
            return read(connection)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._lookups.close()
        self._engine.dispose()


class LoopReader:
    """Runs each read on the service's async engine (asyncpg), in autocommit."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, read: Callable[[Connection], T]) -> T:
        async with self._engine.connect() as connection:
            return await connection.run_sync(read)

    async def lookup(self, statement: Select[Any], values: Mapping[str, Any]) -> Row | None:
        return await self.run(lambda db: db.execute(statement, values).mappings().first())

    def close(self) -> None:
        """Nothing of its own: the runtime disposes the shared engine."""
