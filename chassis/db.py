"""Async SQLAlchemy engines (SQLite, PostgreSQL) and the unit of work that commits state with its events."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

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


def create_engine(url: str, *, echo: bool = False, read_only: bool = False) -> AsyncEngine:
    """An engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs, tuned for service use.

    `read_only=True` gives SQLite a separate pool for queries that never write: several connections,
    DEFERRED transactions and `query_only`, so reads run beside the single writer (WAL) instead of
    queueing behind it. On PostgreSQL the flag changes nothing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo, read_only=read_only)
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str, *, echo: bool, read_only: bool) -> AsyncEngine:
    database = make_url(url).database or ":memory:"
    if database == ":memory:" or "mode=memory" in url:
        engine = create_async_engine(url, echo=echo)
    else:
        if not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer. Writers sharing one pooled connection queue in asyncio (FIFO, no
        # polling), whereas several connections wait in SQLite's sleeping busy handler: measured here,
        # one connection sustained ~2x the event throughput of two. Consequence: never open a second
        # session on this engine while the same task holds one; it would wait for the pool timeout.
        pool_size = 4 if read_only else 1
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0, pool_timeout=30)
    event.listen(
        engine.sync_engine, "connect", _on_sqlite_connect_read_only if read_only else _on_sqlite_connect
    )
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    if read_only:
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the driver so the "begin" hook decides how a transaction
    # starts (SQLAlchemy's documented recipe for pysqlite/aiosqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_connect_read_only(dbapi_connection: Any, record: Any) -> None:
    _on_sqlite_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: another process's writer waits on busy_timeout instead
    # of failing with SQLITE_BUSY when its read transaction later tries to upgrade to a write.
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


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
    """One transaction: state changes and staged outbox events commit together or not at all."""

    session: AsyncSession

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox | None = None) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._staged: list[OutboxMessage] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self._staged = []
        await self.session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Rolling back after a commit is a no-op; anything not committed is discarded.
        try:
            await self.rollback()
        finally:
            await self.session.close()

    def publish(self, message: OutboxMessage) -> None:
        """Stage an event; it is written to the outbox table by `commit()` in the same transaction."""
        if self._outbox is None:
            raise RuntimeError("this unit of work has no outbox: pass one to publish events")
        self._staged.append(message)

    async def commit(self) -> None:
        staged, self._staged = self._staged, []
        if staged and self._outbox is not None:
            await self._outbox.stage(self.session, staged)
        await self.session.commit()
        if staged and self._outbox is not None:
            self._outbox.notify()

    async def rollback(self) -> None:
        self._staged = []
        await self.session.rollback()
