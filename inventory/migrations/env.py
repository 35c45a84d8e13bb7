"""Alembic environment of the inventory: its own history, its own version table, async drivers only."""

from __future__ import annotations

from chassis.migrations import run_migrations
from inventory.migrations import VERSION_TABLE
from inventory.store.tables import metadata

run_migrations(metadata=metadata, version_table=VERSION_TABLE, database_url_env="INVENTORY_DATABASE_URL")
