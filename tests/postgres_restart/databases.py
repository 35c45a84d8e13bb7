"""One fresh PostgreSQL database per service on the tests' server, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import make_url, text

from chassis.db import create_engine


@asynccontextmanager
async def service_databases(server_url: str, services: Sequence[str]) -> AsyncIterator[dict[str, str]]:
    """Per service, the URL of a database created for it (`restart_<service>_<random>`)."""
    server = make_url(server_url)
    suffix = uuid.uuid4().hex[:8]
    names = {service: f"restart_{service}_{suffix}" for service in services}
    admin = create_engine(server.render_as_string(hide_password=False))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    created: list[str] = []
    try:
        async with admin.connect() as connection:
            for name in names.values():
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
                created.append(name)
        yield {
            service: server.set(database=name).render_as_string(hide_password=False)
            for service, name in names.items()
        }
    finally:
        async with admin.connect() as connection:
            for name in created:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
