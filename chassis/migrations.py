"""Alembic plumbing shared by every service: env.py's run, the start-up upgrade and the chassis tables.

Each service keeps its own script directory, MetaData and version table; this module only runs them.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import create_engine
from chassis.inbox import dead_letter_schema, inbox_schema
from chassis.logs import configure_logging
from chassis.outbox.table import outbox_schema, unpublished_index_name
from chassis.settings import ServiceSettings, load_settings

_UNPUBLISHED = sa.text("published_at IS NULL")


def alembic_config(script_location: Path | str, connection: Connection | None = None) -> Config:
    """A config for `script_location`; env.py migrates `connection` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(engine: AsyncEngine, script_location: Path | str) -> None:
    """Apply every pending migration of `script_location` in one transaction on `engine`."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(script_location, connection), "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


def migrate_once(service: str, settings_class: type[ServiceSettings], script_location: Path) -> int:
    """The one-shot `python -m <service>.migrations`; returns the process's exit status.

    A deployment runs it before it starts the service with <SERVICE>_MIGRATE=false, with the same
    environment as the service: bad settings exit with status 2 naming the variable (load_settings),
    an unreachable or failing database with status 1, an up-to-date schema with 0.
    """
    settings = load_settings(settings_class)
    configure_logging(service, settings.log_level, settings.log_format)
    logger = logging.getLogger(f"{service}.migrations")

    async def upgrade() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade_to_head(engine, script_location)
        finally:
            await engine.dispose()

    try:
        asyncio.run(upgrade())
    except (OSError, SQLAlchemyError) as error:
        logger.error("migration failed: %s", error)
        return 1
    logger.info("database schema is up to date")
    return 0


def run_migrations(*, metadata: MetaData, version_table: str, database_url_env: str) -> None:
    """The body of a service's env.py: offline SQL, the open connection it was handed, or a URL."""

    def configure(**options: Any) -> None:
        context.configure(
            target_metadata=metadata,
            version_table=version_table,
            # SQLite alters a table only by copying it; batch mode does that for later migrations.
            render_as_batch=True,
            compare_type=True,
            **options,
        )

    def migrate(connection: Connection) -> None:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()

    async def migrate_url(url: str) -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    def url() -> str:
        found = context.config.get_main_option("sqlalchemy.url") or os.environ.get(database_url_env)
        if not found:
            raise SystemExit(f"set {database_url_env} (or sqlalchemy.url) to the database to migrate")
        return found

    # The service hands over its open connection (upgrade_to_head); the alembic command line passes a URL.
    shared = context.config.attributes.get("connection")
    if context.is_offline_mode():
        configure(url=url(), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    elif shared is not None:
        migrate(shared)
    else:
        asyncio.run(migrate_url(url()))


def create_chassis_tables(
    op: Operations, *, outbox: str = "outbox", inbox: str = "inbox", dead_letter: str = "dead_letter"
) -> None:
    """Create the outbox (with its unpublished index), inbox and dead-letter tables in a migration.

    The columns come from the same definitions as `outbox_table` / `inbox_table` / `dead_letter_table`,
    so a later change to them needs a new migration of every service, never an edit of this history.
    """
    op.create_table(outbox, *outbox_schema(outbox))
    op.create_index(
        unpublished_index_name(outbox),
        outbox,
        ["seq"],
        sqlite_where=_UNPUBLISHED,
        postgresql_where=_UNPUBLISHED,
    )
    op.create_table(inbox, *inbox_schema(inbox))
    op.create_table(dead_letter, *dead_letter_schema(dead_letter))


def drop_chassis_tables(
    op: Operations, *, outbox: str = "outbox", inbox: str = "inbox", dead_letter: str = "dead_letter"
) -> None:
    """Undo `create_chassis_tables` (dropping a table drops its indexes)."""
    for table in (dead_letter, inbox, outbox):
        op.drop_table(table)
