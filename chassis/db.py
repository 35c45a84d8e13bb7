"""Async SQLAlchemy engines (SQLite, PostgreSQL) and the unit of work that commits state with its events."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import URL, event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import in_greenlet

from chassis.sql_connections import begin_connection, commit_connection, release_connection
from chassis.sqlite_checkpoints import WalCheckpointer
from chassis.sqlite_on_loop import loop_connector, loop_driver
from chassis.transaction_batch import TransactionBatch, current_batch

if TYPE_CHECKING:
    from chassis.outbox import Outbox, OutboxMessage

logger = logging.getLogger(__name__)

# Execution option read by the SQLite "begin" hook: set it to "DEFERRED" on a connection or engine
# that only reads, so readers do not queue behind writers.
SQLITE_BEGIN_OPTION = "sqlite_begin"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
)


def create_engine(
    url: str,
    *,
    echo: bool = False,
    read_only: bool = False,
    pool_size: int = 5,
    max_overflow: int = 5,
) -> AsyncEngine:
    """An engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs, tuned for service use.

    A SQLite file's statements run on the event loop (chassis.sqlite_on_loop); the service runtime
    checkpoints its write-ahead log on a thread (chassis.sqlite_checkpoints). `read_only=True` gives
    SQLite a separate pool for queries that never write: several connections, DEFERRED transactions
    and `query_only`, so reads run beside the single writer (WAL) instead of queueing behind it. On
    PostgreSQL the flag changes nothing; there `pool_size + max_overflow` bounds the connections the
    process opens, which times the replicas of every service must fit the server's max_connections.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo, read_only=read_only)
    return create_async_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
    )


def is_sqlite_file(url: URL) -> bool:
    """True for a SQLite database kept in a file: not `:memory:`, not a `mode=memory` URI."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return "mode=memory" not in url.render_as_string()


def _sqlite_engine(url: str, *, echo: bool, read_only: bool) -> AsyncEngine:
    parsed = make_url(url)
    if not is_sqlite_file(parsed):
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    else:
        _create_parent_directory(str(parsed.database))
        # Statements run on the event loop, not on aiosqlite's threads: see chassis.sqlite_on_loop for
        # why, and for how a writer waits for another connection's lock without blocking the loop.
        # Readers may too: in WAL mode a reader never waits for the writer, and reads are indexed or
        # paged. SQLite has one writer: writers sharing one pooled connection queue in asyncio (FIFO,
        # no polling), whereas several connections wait in SQLite's busy handler; measured here, one
        # connection sustained ~2x the event throughput of two. Consequence: never open a second
        # session on the writer engine while the same task holds one; it would wait for the pool timeout.
        engine = create_async_engine(
            url,
            echo=echo,
            creator=loop_connector(url),
            pool_size=4 if read_only else 1,
            max_overflow=0,
            pool_timeout=30,
        )
        on_connect = _on_sqlite_connect_read_only if read_only else _on_sqlite_connect_on_loop
        event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    if read_only:
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    return engine


def _create_parent_directory(database: str) -> None:
    if not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the driver so the "begin" hook decides how a transaction
    # starts (SQLAlchemy's documented recipe for pysqlite/aiosqlite).
    if dbapi_connection.isolation_level is not None:
        dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_connect_read_only(dbapi_connection: Any, record: Any) -> None:
    _on_sqlite_connect_on_loop(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _on_sqlite_connect_on_loop(dbapi_connection: Any, record: Any) -> None:
    _on_sqlite_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    # SQLite's busy handler sleeps in the calling thread, here the event loop's: wait in asyncio instead.
    cursor.execute("PRAGMA busy_timeout=0")
    # A checkpoint (with its fsync) would run in the committing call, on the loop: a WalCheckpointer
    # does it on a thread instead (ServiceRuntime runs one per SQLite file).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a writer of another connection waits at BEGIN (in
    # asyncio, see chassis.sqlite_on_loop) instead of failing with SQLITE_BUSY when its read
    # transaction later tries to upgrade to a write.
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
    # Straight to sqlite3 when the lock is free: SQLAlchemy's statement machinery cost ~10x the BEGIN.
    # Refused (the lock is held elsewhere, the connection is gone), BEGIN has had no effect and goes
    # through SQLAlchemy, which waits for the lock or reports the error like any statement's.
    # Outside a greenlet (chassis.sql_connections begins on the loop) nothing could wait: the refusal
    # goes back to the caller, which begins again in a greenlet.
    driver = loop_driver(connection.connection.dbapi_connection)
    if driver is not None:
        try:
            driver.execute(f"BEGIN {mode}")
        except sqlite3.Error:
            if not in_greenlet():
                raise
        else:
            return
    connection.exec_driver_sql(f"BEGIN {mode}")


def wal_checkpointer(engine: AsyncEngine) -> WalCheckpointer | None:
    """The checkpoint task a file-backed SQLite engine needs (see WalCheckpointer); None otherwise."""
    if not is_sqlite_file(engine.url):
        return None
    return WalCheckpointer(engine.url.render_as_string(hide_password=False))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine, *, within: float = 2.0) -> bool:
    """True when the database answers `SELECT 1` within `within` seconds; never raises (used by health)."""
    try:
        async with asyncio.timeout(within):
            async with engine.connect() as connection:
                reader = await connection.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
                await reader.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy"
        logger.warning("database ping failed: %s", error)
        return False
    return True


class SqlUnitOfWork:
    """One transaction: state changes and staged outbox events commit together or not at all.

    It works on a Core `AsyncConnection`, not an ORM session: the stores write tables, never mapped
    objects, so the session's bookkeeping (its transaction and identity state) was pure overhead.
    Inside an active `TransactionBatch` it runs in the batch's transaction instead (see there).
    """

    connection: AsyncConnection

    def __init__(
        self, database: AsyncEngine | async_sessionmaker[AsyncSession], outbox: Outbox | None = None
    ) -> None:
        self._engine = database if isinstance(database, AsyncEngine) else engine_of(database)
        self._outbox = outbox
        self._staged: list[OutboxMessage] = []
        self._batch: TransactionBatch | None = None
        self._uncommitted = False

    async def __aenter__(self) -> Self:
        self._staged = []
        batch = current_batch()
        self._batch = batch if batch is not None and batch.shares(self._engine) else None
        if self._batch is not None:
            await self._batch.turn.acquire()
            try:
                self.connection = await self._batch.connection(self._engine)
            except BaseException:
                self._batch.turn.release()
                raise
            self._uncommitted = True
            return self
        self.connection = await begin_connection(self._engine)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Rolling back after a commit is a no-op; anything not committed is discarded.
        batch, self._batch = self._batch, None
        if batch is not None:
            if self._uncommitted:
                batch.spoil()  # what it wrote cannot be taken out of the shared transaction alone
            batch.turn.release()
            return
        self._staged = []
        await release_connection(self.connection)

    def publish(self, message: OutboxMessage) -> None:
        """Stage an event; it is written to the outbox table by `commit()` in the same transaction."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox: pass one to publish events")
        self._staged.append(message)

    async def commit(self) -> None:
        staged, self._staged = self._staged, []
        if staged and self._outbox is not None:
            await self._outbox.stage(self.connection, staged)
        if self._batch is None:
            await commit_connection(self.connection)
        self._uncommitted = False
        if staged and self._outbox is not None:
            self.after_commit(self._outbox.notify)

    async def rollback(self) -> None:
        self._staged = []
        if self._batch is not None:
            self._batch.spoil()
            return
        await self.connection.rollback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work's changes are durable (now, or when its batch commits)."""
        if self._batch is None:
            callback()
        else:
            self._batch.after_commit(callback)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory was made for (composition roots hand factories around)."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the session factory is not bound to an AsyncEngine")
    return bind
