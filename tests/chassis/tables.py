"""An engine on a test database with a test module's own tables already created."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import create_engine


async def engine_with_tables(url: str, metadata: MetaData) -> AsyncEngine:
    """A chassis engine for `url` with every table of `metadata` created; the caller disposes it."""
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return engine
