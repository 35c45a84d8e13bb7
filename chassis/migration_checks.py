"""Test checks every service's Alembic history must pass: it builds exactly the declared schema, both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, column, inspect, select, table
from sqlalchemy.engine import Connection

from chassis.db import create_engine
from chassis.migrations import alembic_config, upgrade_to_head


def _schema_differences(connection: Connection, metadata: MetaData, version_table: str) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"version_table": version_table, "compare_type": True}
    )
    return list(compare_metadata(context, metadata))


async def check_upgrade_builds_the_declared_schema(
    database_url: str, script_location: Path | str, metadata: MetaData, version_table: str
) -> None:
    """Upgrading (twice: a second start-up finds nothing to do) builds `metadata` under `version_table`."""
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine, script_location)
        await upgrade_to_head(engine, script_location)
        async with engine.connect() as connection:
            assert await connection.run_sync(_schema_differences, metadata, version_table) == []
            version = await connection.execute(select(table(version_table, column("version_num"))))
            head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
            assert version.scalar_one() == head
    finally:
        await engine.dispose()


async def check_downgrade_and_upgrade_round_trip(
    database_url: str, script_location: Path | str, metadata: MetaData, version_table: str
) -> None:
    """Downgrading to base leaves only the version table; upgrading again rebuilds `metadata`."""
    engine = create_engine(database_url)

    def downgrade(connection: Connection) -> list[str]:
        command.downgrade(alembic_config(script_location, connection), "base")
        return inspect(connection).get_table_names()

    try:
        await upgrade_to_head(engine, script_location)
        async with engine.begin() as connection:
            assert await connection.run_sync(downgrade) == [version_table]
        await upgrade_to_head(engine, script_location)
        async with engine.connect() as connection:
            assert await connection.run_sync(_schema_differences, metadata, version_table) == []
    finally:
        await engine.dispose()
