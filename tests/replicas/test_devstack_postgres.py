"""The devstack's PostgreSQL mode: a migrated database and a role per service, dropped at stop unless kept."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from chassis.testing import postgres_url
from scripts.devstack import Stack, plan_stack
from scripts.devstack.plan import StackPlan
from scripts.devstack.postgres import drop_databases

pytestmark = pytest.mark.postgres


def databases_only(tmp_path: Path, *, keep: bool = False) -> StackPlan:
    """The PostgreSQL part of a stack (databases, roles, migrations) without any process."""
    plan = plan_stack(
        tmp_path, auto_ports=True, database="postgres", postgres_url=postgres_url(), keep_databases=keep
    )
    return dataclasses.replace(plan, stages=())


async def owned_tables(url: str) -> set[str]:
    """Tables of the public schema owned by the URL's own user, connecting as that user."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = 'public' AND tableowner = current_user"
                )
            )
            return {str(row[0]) for row in rows}
    finally:
        await engine.dispose()


async def existing(names: list[str]) -> tuple[set[str], set[str]]:
    """Which of `names` exist as databases and as roles on the test server."""
    engine = create_async_engine(postgres_url())
    try:
        async with engine.connect() as connection:
            databases = await connection.execute(
                text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"), {"names": names}
            )
            roles = await connection.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"), {"names": names}
            )
            return {str(r[0]) for r in databases}, {str(r[0]) for r in roles}
    finally:
        await engine.dispose()


def test_each_service_gets_its_own_migrated_database_and_role_which_stop_drops(tmp_path: Path) -> None:
    plan = databases_only(tmp_path)
    assert plan.postgres is not None
    names = [database.name for database in plan.postgres.databases]
    stack = Stack(plan)
    stack.start(timeout=120)
    try:
        tables = {db.service: asyncio.run(owned_tables(db.url)) for db in plan.postgres.databases}
        urls = {db.service: make_url(db.url) for db in plan.postgres.databases}
        during = asyncio.run(existing(names))
    finally:
        stack.stop()
    after = asyncio.run(existing(names))

    assert during == (set(names), set(names))
    for service, url in urls.items():
        assert (url.username, url.database) == (f"mercado_{service}_{names[0].rsplit('_', 1)[1]}",) * 2
        assert url.password
        # Migrated by the service's one-shot, as that role: the version table and outbox are there.
        assert {f"alembic_version_{service}", "outbox"} <= tables[service]
    assert after == (set(), set())


def test_keep_leaves_the_databases_in_place_after_stop(tmp_path: Path) -> None:
    plan = databases_only(tmp_path, keep=True)
    assert plan.postgres is not None
    names = [database.name for database in plan.postgres.databases]
    stack = Stack(plan)
    try:
        stack.start(timeout=120)
        stack.stop()
        assert asyncio.run(existing(names)) == (set(names), set(names))
    finally:
        drop_databases(plan.postgres)
