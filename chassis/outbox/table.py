"""The outbox table and the in-process handle that stages rows and wakes the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    insert,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import SchemaItem

from chassis.outbox.message import OutboxMessage
from chassis.prepared import PreparedStatement


def utc_now() -> datetime:
    return datetime.now(UTC)


def outbox_schema(name: str = "outbox") -> list[SchemaItem]:
    """The outbox's columns and named keys, new objects on every call (table and migration share them)."""
    return [
        # SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL gets a 64-bit sequence.
        Column("seq", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True, nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("subject", String(255), nullable=False),
        Column("event_type", String(255), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
        Column("published_at", DateTime(timezone=True), nullable=True),
        PrimaryKeyConstraint("seq", name=f"pk_{name}"),
        UniqueConstraint("event_id", name=f"uq_{name}_event_id"),
    ]


def unpublished_index_name(name: str = "outbox") -> str:
    return f"ix_{name}_unpublished"


def outbox_table(metadata: MetaData, name: str = "outbox") -> Table:
    """Events waiting to be (or already) published, in commit order (`seq`)."""
    table = Table(name, metadata, *outbox_schema(name))
    # The relay only ever scans unpublished rows; a partial index keeps that scan small as history grows.
    unpublished = table.c.published_at.is_(None)
    Index(unpublished_index_name(name), table.c.seq, sqlite_where=unpublished, postgresql_where=unpublished)
    return table


class Outbox:
    """One per service process: writes staged events into the caller's transaction, wakes the relay."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._insert = PreparedStatement(insert(table))  # built once: it runs in every transaction
        self._wakeup = asyncio.Event()

    async def stage(self, connection: AsyncConnection, messages: Sequence[OutboxMessage]) -> None:
        if not messages:
            return
        now = utc_now()
        rows = [
            {
                "event_id": m.event_id,
                "subject": m.subject,
                "event_type": m.event_type,
                "payload": m.payload,
                "headers": dict(m.headers),
                "created_at": now,
            }
            for m in messages
        ]
        await self._insert.execute_many(connection, rows)

    def notify(self) -> None:
        """Tell the relay new rows were committed (called after commit, never before)."""
        self._wakeup.set()

    def clear(self) -> None:
        self._wakeup.clear()

    async def wait(self, seconds: float) -> bool:
        """Wait until notified or `seconds` pass; True when notified."""
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            return False
        return True
