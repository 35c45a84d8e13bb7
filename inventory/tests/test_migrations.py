"""The Alembic history builds exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from chassis.migration_checks import (
    check_downgrade_and_upgrade_round_trip,
    check_upgrade_builds_the_declared_schema,
)
from inventory.migrations import SCRIPTS, VERSION_TABLE
from inventory.store import metadata


async def test_upgrade_creates_the_declared_schema_with_its_own_version_table(database_url: str) -> None:
    await check_upgrade_builds_the_declared_schema(database_url, SCRIPTS, metadata, VERSION_TABLE)


async def test_downgrade_removes_every_table_and_upgrade_restores_them(database_url: str) -> None:
    await check_downgrade_and_upgrade_round_trip(database_url, SCRIPTS, metadata, VERSION_TABLE)
