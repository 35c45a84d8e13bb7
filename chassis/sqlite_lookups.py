"""Index lookups on a SQLite file, run on one sqlite3 connection that the event loop owns.

A hot-path read through the engine (`async with engine.connect()`, a DEFERRED transaction, the
statement, close and return to the pool) costs ~65 µs of CPU for ~5 µs of SQLite work: pool
checkout and reset, the Connection and Transaction objects and a greenlet per call. A lookup through
an index reads a few cached pages and, in WAL mode, never waits for the writer, so it can run
synchronously on the loop, on a connection in autocommit: each SELECT is then its own read
transaction and sees every commit made before it.

Only what SQLite answers at once runs here. When the file is locked (recovery after a crash, a
checkpoint resetting the log) or the statement cannot be prepared, `execute` returns None and the
caller reads through its engine, which waits for the lock in asyncio.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import is_sqlite_file
from chassis.prepared import PreparedStatement, Rows


class SqliteLookups:
    """A read-only sqlite3 connection for one database file, opened on first use."""

    def __init__(self, engine: AsyncEngine) -> None:
        (database,), options = engine.dialect.create_connect_args(engine.url)
        self._database = str(database)
        self._uri = bool(options.get("uri", False))
        self._dialect = engine.dialect
        self._connection: sqlite3.Connection | None = None

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> SqliteLookups | None:
        """Lookups for a SQLite file's engine; None for PostgreSQL and in-memory databases."""
        return cls(engine) if is_sqlite_file(engine.url) else None

    def execute(self, statement: PreparedStatement, values: Mapping[str, Any]) -> Rows | None:
        """The statement's rows, or None when it must go through the engine (locked, not preparable)."""
        try:
            return statement.execute_on(self._open(), self._dialect, values)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            return None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> sqlite3.Connection:
        # Opened on first use, once the migrations have created the file and its log.
        if self._connection is None:
            # isolation_level=None: no implicit BEGIN, so each lookup reads the latest commit.
            # timeout=0: a locked file must not put the event loop to sleep.
            connection = sqlite3.connect(
                self._database, timeout=0, isolation_level=None, check_same_thread=False, uri=self._uri
            )
            connection.execute("PRAGMA query_only = ON")
            self._connection = connection
        return self._connection
