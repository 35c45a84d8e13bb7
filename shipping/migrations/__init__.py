"""Shipping's schema history (Alembic) and the programmatic upgrade the service runs at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrations

# Each service keeps its own version table, so services may even share one database safely.
VERSION_TABLE = "alembic_version_shipping"
SCRIPTS = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    return migrations.alembic_config(SCRIPTS, connection)


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every pending migration in one transaction on `engine`."""
    await migrations.upgrade_to_head(engine, SCRIPTS)
