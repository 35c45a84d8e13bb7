"""PostgreSQL for the local stack: a fresh database and role per service, created at start, dropped at stop.

Each service gets what production gives it: its own database, owned by its own role, reached with that
role's name and password. A local server with trust authentication ignores the password, but the URL
still carries it, so the services are configured exactly as they would be in production.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SERVER_URL_ENV = "MERCADO_POSTGRES_URL"
CONNECT_TIMEOUT_SECONDS = 5

T = TypeVar("T")


class PostgresError(Exception):
    """The server is unreachable or refused to create or drop a database; the message says which."""


@dataclass(frozen=True)
class ServiceDatabase:
    """One service's database and the role owning it (both named `mercado_<service>_<suffix>`)."""

    service: str
    name: str
    password: str
    url: str


@dataclass(frozen=True)
class PostgresSetup:
    """The server the devstack administers and the databases it creates there for one run."""

    server_url: str
    databases: tuple[ServiceDatabase, ...]
    # Leave databases and roles in place at stop (to inspect them afterwards).
    keep: bool = False

    def for_service(self, service: str) -> ServiceDatabase:
        return next(database for database in self.databases if database.service == service)


def plan_databases(server_url: str, services: Sequence[str], *, keep: bool = False) -> PostgresSetup:
    """Names and credentials for one run; nothing is created yet. Raises PostgresError on a bad URL."""
    try:
        server = make_url(server_url)
    except ArgumentError:
        raise PostgresError(f"{SERVER_URL_ENV} / --postgres-url is not a database URL") from None
    if server.drivername != "postgresql+asyncpg" or not server.host:
        raise PostgresError(
            f"{SERVER_URL_ENV} / --postgres-url must be postgresql+asyncpg://user@host:port/database "
            f"(the server to create databases on), not {server.drivername}://..."
        )
    # A suffix per run: two stacks (or a stack and a test run) on one server never share a database.
    suffix = secrets.token_hex(4)
    databases = []
    for service in services:
        name = f"mercado_{service}_{suffix}"
        password = secrets.token_urlsafe(18)
        url = server.set(username=name, password=password, database=name)
        databases.append(ServiceDatabase(service, name, password, url.render_as_string(hide_password=False)))
    return PostgresSetup(server_url=server_url, databases=tuple(databases), keep=keep)


def create_databases(setup: PostgresSetup) -> None:
    """Create each role (LOGIN, with its password) and a database it owns."""
    statements = []
    for database in setup.databases:
        # Names are generated from [a-z0-9_] and passwords from the URL-safe alphabet: nothing to escape.
        statements += [
            f"CREATE ROLE \"{database.name}\" LOGIN PASSWORD '{database.password}'",
            f'CREATE DATABASE "{database.name}" OWNER "{database.name}"',
        ]
    _run(_execute(setup.server_url, statements, "create the services' databases on"))


def drop_databases(setup: PostgresSetup) -> None:
    """Drop the databases (closing whatever still uses them) and their roles; missing ones are fine."""
    statements = []
    for database in setup.databases:
        statements += [
            f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)',
            f'DROP ROLE IF EXISTS "{database.name}"',
        ]
    _run(_execute(setup.server_url, statements, "drop the services' databases on"))


async def _execute(server_url: str, statements: Sequence[str], doing: str) -> None:
    engine = create_async_engine(
        server_url, isolation_level="AUTOCOMMIT", connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    except (OSError, SQLAlchemyError) as error:
        where = make_url(server_url).render_as_string(hide_password=True)
        raise PostgresError(
            f"could not {doing} {where} ({SERVER_URL_ENV} / --postgres-url): {error}"
        ) from None
    finally:
        await engine.dispose()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion on a loop of its own thread: callers may already be inside a loop."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(asyncio.run(coroutine))
        except BaseException as error:  # handed to the calling thread below
            failure.append(error)

    worker = threading.Thread(target=target, name="devstack-postgres")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return outcome[0]
