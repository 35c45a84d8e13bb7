"""Fixtures for chassis tests: a SQLite store with the chassis tables and unique event types."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import create_engine, session_factory
from chassis.inbox import dead_letter_table, inbox_table
from chassis.outbox import Outbox, outbox_table


@dataclass
class Store:
    """A service-like database: the chassis tables plus an `effects` table handlers write to."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox
    inbox: Table
    dead_letters: Table
    effects: Table


def build_metadata(prefix: str = "") -> tuple[MetaData, Table, Table, Table, Table]:
    metadata = MetaData()
    outbox = outbox_table(metadata, name=f"{prefix}outbox")
    inbox = inbox_table(metadata, name=f"{prefix}inbox")
    dead = dead_letter_table(metadata, name=f"{prefix}dead_letter")
    effects = Table(
        f"{prefix}effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
    )
    return metadata, outbox, inbox, dead, effects


async def open_store(url: str, prefix: str = "") -> tuple[Store, MetaData]:
    engine = create_engine(url)
    metadata, outbox, inbox, dead, effects = build_metadata(prefix)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    store = Store(engine, session_factory(engine), Outbox(outbox), inbox, dead, effects)
    return store, metadata


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    opened, _ = await open_store(sqlite_url)
    yield opened
    await opened.engine.dispose()


@pytest.fixture
def event_type() -> str:
    """An event type (hence subject, stream and durable) no other test uses on the shared server."""
    return f"mercado.t{uuid.uuid4().hex[:12]}.v1.ThingHappened"
