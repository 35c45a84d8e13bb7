"""Alembic environment of billing: its own history, its own version table, async drivers only."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from billing.migrations import VERSION_TABLE
from billing.store.tables import metadata
from chassis.db import create_engine

DATABASE_URL_ENV = "BILLING_DATABASE_URL"


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite alters a table only by copying it; batch mode does that for later migrations.
        render_as_batch=True,
        compare_type=True,
        **options,
    )


def _migrate(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
            await connection.commit()
    finally:
        await engine.dispose()


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(DATABASE_URL_ENV)
    if not url:
        raise SystemExit(f"set {DATABASE_URL_ENV} (or sqlalchemy.url) to the database to migrate")
    return url


def main() -> None:
    # The service hands over its open connection (billing.migrations.upgrade_to_head); the alembic
    # command line passes a URL instead.
    shared = context.config.attributes.get("connection")
    if context.is_offline_mode():
        _configure(url=_url(), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    elif shared is not None:
        _migrate(shared)
    else:
        asyncio.run(_migrate_url(_url()))


main()
