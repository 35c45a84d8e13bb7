"""How the read path reaches the database: one hop to a worker thread on SQLite, the event loop on PostgreSQL.

Measured on the 2-core dev box (GetItem's lookup, 16 concurrent readers): through the async aiosqlite
driver a lookup costs ~550 us of CPU, because every DBAPI call (begin, cursor, execute, fetch, close,
rollback) is its own round trip to aiosqlite's thread. Running the whole lookup on a plain pysqlite
connection in a worker thread costs ~90 us: one hop, and SQLite releases the GIL while it reads. WAL
mode lets these readers run beside the writer without waiting for its lock. asyncpg has no threads,
so PostgreSQL reads stay on the loop, in autocommit to save the BEGIN and ROLLBACK round trips.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

READ_THREADS = 4
SQLITE_BUSY_TIMEOUT_SECONDS = 30


class Reader(Protocol):
    async def run(self, read: Callable[[Connection], T]) -> T: ...

    def close(self) -> None: ...


def reader_for(engine: AsyncEngine) -> Reader:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return ThreadReader(create_engine(url.set(drivername="sqlite"), connect_args=_sqlite_args()))
    return LoopReader(engine)


def _sqlite_args() -> dict[str, object]:
    # Read-only connections: pysqlite issues no BEGIN before a SELECT, so each read is one statement.
    return {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}


class ThreadReader:
    """Runs each read whole on a pysqlite connection in a small thread pool."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="inventory-read")

    async def run(self, read: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._read, read)

    def _read(self, read: Callable[[Connection], T]) -> T:
        with self._engine.connect() as connection:
            return read(connection)

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._engine.dispose()


class LoopReader:
    """Runs each read on the service's async engine (asyncpg), in autocommit."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, read: Callable[[Connection], T]) -> T:
        async with self._engine.connect() as connection:
            return await connection.run_sync(read)

    def close(self) -> None:
        """Nothing of its own: the runtime disposes the shared engine."""
