"""Alembic environment of shipping: its own history, its own version table, async drivers only."""

from __future__ import annotations

from chassis.migrations import run_migrations
from shipping.migrations import VERSION_TABLE
from shipping.store.tables import metadata

run_migrations(metadata=metadata, version_table=VERSION_TABLE, database_url_env="SHIPPING_DATABASE_URL")
