"""Alembic environment of billing: its own history, its own version table, async drivers only."""

from __future__ import annotations

from billing.migrations import VERSION_TABLE
from billing.store.tables import metadata
from chassis.migrations import run_migrations

run_migrations(metadata=metadata, version_table=VERSION_TABLE, database_url_env="BILLING_DATABASE_URL")
