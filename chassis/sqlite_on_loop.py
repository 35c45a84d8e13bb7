"""A SQLite connection for SQLAlchemy's async engine that calls sqlite3 directly, on the event loop.

SQLAlchemy's async engine runs its synchronous core inside a greenlet. A normal async driver adapter
hands every driver call back to the loop as a coroutine: opening a cursor, executing, fetching and
closing each cost a greenlet switch there and back, a coroutine and, with aiosqlite, a hop to its
worker thread. A service's SQLite statements are short (indexed lookups, single-row writes, WAL with
synchronous=NORMAL) and never wait for I/O worth yielding for, so this connection is handed to the
engine as a plain synchronous DBAPI connection (`creator=`): SQLAlchemy calls it from its greenlet and
nothing is handed anywhere. Under `make bench-orders` dropping aiosqlite's thread took the stack from
18.9 to 16.0 ms of CPU per order; dropping the coroutine hand-offs later took it from 5.8-6.0 to
5.7-5.8 ms at 4 orders in flight, and throughput from 308-312 to 320-336 orders/s.

The one wait that can be long is for SQLite's write lock, held by another connection (a second engine
in this process, another process). SQLite's busy handler would sleep in the loop's thread and freeze
everything, the lock holder too if it lives in this process; so the connection runs with
`busy_timeout=0` and waits here instead: on SQLITE_BUSY the statement had no effect, and it is retried
after an asyncio sleep, awaited from SQLAlchemy's greenlet, so the loop keeps running meanwhile.

Rows are read as soon as a statement runs, like SQLAlchemy's own adapters, so a result can be consumed
after the engine call returned without touching the driver again.

`AsyncConnection.execute` insists that the driver awaited something (a guard against plugging a
synchronous driver in by mistake); each statement therefore awaits an already-finished awaitable,
one greenlet switch there and back, where an async adapter spends three plus its coroutines.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import make_url
from sqlalchemy.util.concurrency import await_, in_greenlet

T = TypeVar("T")

# How long a statement may wait for the write lock, as PRAGMA busy_timeout=30000 did before.
LOCK_WAIT_SECONDS = 30.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05
_NO_ROWS: list[Any] = []


class _Finished(Awaitable[None]):
    """An awaitable that is done at once: awaiting it switches greenlets without yielding to the loop."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return (yield from ())


_FINISHED = _Finished()


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(error)


def _retry_while_busy(call: Callable[[], T], *, patience: float = LOCK_WAIT_SECONDS) -> T:
    """`call()`, retried after non-blocking pauses while another connection holds the lock.

    Outside SQLAlchemy's greenlet (a pool cleaning up at interpreter exit) there is no loop to wait
    in, so a busy lock is reported at once.
    """
    try:
        return call()  # the common case: no other connection holds the lock, nothing to time
    except sqlite3.OperationalError as error:
        if not _is_busy(error) or not in_greenlet():
            raise
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    pause = _FIRST_PAUSE
    while True:
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, _LONGEST_PAUSE)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or loop.time() >= deadline:
                raise


class LoopCursor:
    """A DBAPI cursor over a sqlite3 cursor whose rows are read when the statement runs."""

    __slots__ = ("_cursor", "_next", "_rows")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor
        self._rows: list[Any] = _NO_ROWS
        self._next = 0

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> LoopCursor:
        await_(_FINISHED)
        cursor = self._cursor
        if parameters is None:
            _retry_while_busy(lambda: cursor.execute(sql))
        else:
            _retry_while_busy(lambda: cursor.execute(sql, parameters))
        self._buffer()
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> LoopCursor:
        await_(_FINISHED)
        every = list(rows)  # a retry must see every row again, not an exhausted iterator
        cursor = self._cursor
        _retry_while_busy(lambda: cursor.executemany(sql, every))
        self._buffer()
        return self

    def _buffer(self) -> None:
        self._rows = self._cursor.fetchall() if self._cursor.description is not None else _NO_ROWS
        self._next = 0

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        row = self._rows[self._next]
        self._next += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[Any]:
        end = self._next + (size if size is not None else self._cursor.arraysize)
        rows = self._rows[self._next : end]
        self._next += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        # A list of the caller's own: never the shared empty one, which a caller could append to.
        rows = self._rows[self._next :] if self._next or self._rows is _NO_ROWS else self._rows
        self._rows, self._next = _NO_ROWS, 0
        return rows

    def __iter__(self) -> Any:
        while (row := self.fetchone()) is not None:
            yield row

    async def _async_soft_close(self) -> None:
        """Called by the async engine after each execute; the rows are already read, nothing to do."""

    def close(self) -> None:
        self._rows = _NO_ROWS
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


class LoopConnection:
    """The DBAPI connection the engine pools; `_connection` is the sqlite3 connection (the driver's)."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            # The message SQLAlchemy's SQLite dialects recognise as a lost connection.
            raise sqlite3.OperationalError("no active connection")
        return self._connection

    @property
    def driver(self) -> sqlite3.Connection | None:
        """The sqlite3 connection, for statements run without a cursor of ours (chassis.prepared)."""
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        cast(Any, self._conn).isolation_level = value  # SQLAlchemy sets None or ""

    def cursor(self, server_side: bool = False) -> LoopCursor:
        # Rows are always read up front: a "server-side" cursor is the same cursor.
        return LoopCursor(self._conn.cursor())

    def commit(self) -> None:
        _retry_while_busy(self._conn.commit)

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def terminate(self) -> None:
        """SQLAlchemy's hard close; there is no thread or socket to stop."""
        self.close()


def loop_driver(dbapi_connection: Any) -> sqlite3.Connection | None:
    """The open sqlite3 connection under a pooled DBAPI connection, if it is a `LoopConnection`."""
    return dbapi_connection.driver if isinstance(dbapi_connection, LoopConnection) else None


def loop_connector(url: str) -> Callable[[], LoopConnection]:
    """A `creator` for `create_async_engine(url)`: opens the file in autocommit mode.

    The dialect's own URL parsing gives the file name and flags (`file:` URIs included).
    `isolation_level=None` leaves transaction control to the engine's "begin" hook, `timeout=0` leaves
    lock waits to `_retry_while_busy`, and `check_same_thread=False` lets the pool close a connection
    from another thread (interpreter exit, a test's second event loop).
    """
    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    database = str(args[0])
    uri = bool(options.get("uri", False))

    def connect() -> LoopConnection:
        return LoopConnection(
            sqlite3.connect(database, uri=uri, isolation_level=None, check_same_thread=False, timeout=0)
        )

    return connect
