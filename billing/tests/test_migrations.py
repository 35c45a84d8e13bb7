"""The Alembic history builds exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, select, table
from sqlalchemy.engine import Connection

from billing.migrations import VERSION_TABLE, alembic_config, upgrade_to_head
from billing.store import metadata
from chassis.db import create_engine


def schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
    )
    return list(compare_metadata(context, metadata))


async def test_upgrade_creates_the_declared_schema_under_billings_own_version_table(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine)
        await upgrade_to_head(engine)  # a second start-up finds nothing to do
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
            version = await connection.execute(select(table(VERSION_TABLE, column("version_num"))))
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert version.scalar_one() == head
    finally:
        await engine.dispose()


async def test_downgrade_removes_every_table_and_upgrade_restores_them(database_url: str) -> None:
    engine = create_engine(database_url)

    def downgrade(connection: Connection) -> list[str]:
        command.downgrade(alembic_config(connection), "base")
        return inspect(connection).get_table_names()

    try:
        await upgrade_to_head(engine)
        async with engine.begin() as connection:
            assert await connection.run_sync(downgrade) == [VERSION_TABLE]
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
    finally:
        await engine.dispose()
