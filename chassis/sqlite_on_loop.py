"""A SQLite connection whose calls run on the event loop, shaped as SQLAlchemy's aiosqlite dialect expects.

aiosqlite runs every call on a worker thread: each statement costs a queue hand-off, a thread wake-up,
a GIL transfer and a loop wake-up, often more CPU than the statement itself (under `make bench-orders`
the stack's CPU per order fell from 18.9 to 16.0 ms with the writer inline). A service's statements
are short (indexed lookups, single-row writes, WAL with synchronous=NORMAL), so running them inline
costs the loop less than any hand-off.

The one wait that can be long is for SQLite's write lock, held by another connection (a second engine
in this process, another process). A blocking busy handler would freeze the whole loop, and with it the
holder if it lives in this process, so the connection runs with `busy_timeout=0` and waits here
instead: on SQLITE_BUSY the statement had no effect, so it is retried after a non-blocking sleep.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import make_url

T = TypeVar("T")

# How long a statement may wait for the write lock, as PRAGMA busy_timeout=30000 did before.
LOCK_WAIT_SECONDS = 30.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(error)


async def _retry_while_busy(call: Callable[[], T], *, patience: float = LOCK_WAIT_SECONDS) -> T:
    try:
        return call()  # the common case: no other connection holds the lock, nothing to time
    except sqlite3.OperationalError as error:
        if not _is_busy(error):
            raise
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    pause = _FIRST_PAUSE
    while True:
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or loop.time() >= deadline:
                raise


class InlineCursor:
    """The subset of `aiosqlite.Cursor` SQLAlchemy calls, executed on the calling (loop) thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        cursor = self._cursor
        if parameters is None:
            await _retry_while_busy(lambda: cursor.execute(sql))
        else:
            await _retry_while_busy(lambda: cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(rows)  # a retry must see every row again, not an exhausted iterator
        cursor = self._cursor
        await _retry_while_busy(lambda: cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """The subset of `aiosqlite.Connection` SQLAlchemy calls; `_connection` is the sqlite3 connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        connection = self._conn
        await _retry_while_busy(connection.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def stop(self) -> None:
        """Force-close (SQLAlchemy's terminate); there is no thread to stop."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def inline_connector(url: str) -> Callable[[], Awaitable[InlineConnection]]:
    """An `async_creator` for `create_async_engine(url)`: opens the file in autocommit mode on the loop.

    The dialect's own URL parsing gives the file name and flags (`file:` URIs included).
    `isolation_level=None` leaves transaction control to the engine's "begin" hook, `timeout=0` leaves
    lock waits to `_retry_while_busy`, and `check_same_thread=False` lets the pool close a connection
    from another thread (interpreter exit, a test's second event loop).
    """
    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    database = str(args[0])
    uri = bool(options.get("uri", False))

    async def connect() -> InlineConnection:
        return InlineConnection(
            sqlite3.connect(database, uri=uri, isolation_level=None, check_same_thread=False, timeout=0)
        )

    return connect
