"""Inbox and dead-letter tables: remember handled events per consumer so redeliveries have no effect."""

from __future__ import annotations

import functools

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import SchemaItem

from chassis.outbox.table import utc_now
from chassis.prepared import PreparedStatement
from chassis.sql_inserts import insert_unless_present


def inbox_schema(name: str = "inbox") -> list[SchemaItem]:
    """The inbox's columns and key, new objects on every call: the table and its migration share them."""
    return [
        Column("consumer", String(200), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, default=utc_now),
        PrimaryKeyConstraint("consumer", "event_id", name=f"pk_{name}"),
    ]


def dead_letter_schema(name: str = "dead_letter") -> list[SchemaItem]:
    """The dead-letter table's columns and key, new objects on every call (table and migration)."""
    return [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), autoincrement=True, nullable=False),
        Column("consumer", String(200), nullable=False),
        Column("subject", String(255), nullable=False),
        Column("event_id", String(64), nullable=True),
        Column("event_type", String(255), nullable=True),
        Column("payload", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utc_now),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
    ]


def inbox_table(metadata: MetaData, name: str = "inbox") -> Table:
    """One row per (consumer, event) already handled; written in the handler's own transaction."""
    return Table(name, metadata, *inbox_schema(name))


def dead_letter_table(metadata: MetaData, name: str = "dead_letter") -> Table:
    """Messages a consumer gave up on, kept with the error for an operator to inspect or replay."""
    return Table(name, metadata, *dead_letter_schema(name))


async def claim(connection: AsyncConnection, table: Table, consumer: str, event_id: str) -> bool:
    """Record `event_id` as handled by `consumer` in the caller's transaction.

    Returns False when it was already recorded: the event was handled before and the caller must
    not apply its effect again. ON CONFLICT DO NOTHING keeps the transaction usable (a failed INSERT
    would abort it on PostgreSQL), and a concurrent claim of the same event waits on the key and
    then sees the conflict, so only one transaction ever wins.
    """
    values = {"consumer": consumer, "event_id": event_id, "processed_at": utc_now()}
    result = await _claim_statement(table, connection.dialect.name).execute(connection, values)
    return result.rowcount == 1


@functools.cache
def _claim_statement(table: Table, dialect: str) -> PreparedStatement:
    # Built once per table: constructing the statement cost as much CPU as executing it.
    return PreparedStatement(insert_unless_present(table, dialect))
