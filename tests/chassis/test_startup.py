"""Start-up of a service: a failure halfway closes everything opened so far; success hands it all over."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.settings import ServiceSettings
from chassis.startup import Foundation, starting


class _Channel:
    """Stands in for a grpc.aio channel the service opened while starting."""

    def __init__(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True


class _Boom(Exception):
    pass


def _settings(sqlite_url: str, nats_url: str) -> ServiceSettings:
    return ServiceSettings(database_url=sqlite_url, nats_url=nats_url, grpc_port=0)


async def test_a_failure_after_connecting_closes_the_broker_connection_and_what_the_service_opened(
    sqlite_url: str, nats_url: str
) -> None:
    channel = _Channel()
    opened: list[Foundation] = []

    async def start_then_fail() -> None:
        async with starting("probe", _settings(sqlite_url, nats_url), migrate=None, event_types=[]) as base:
            opened.append(base)
            base.own(channel)
            assert base.nats.is_connected
            raise _Boom

    with pytest.raises(_Boom):
        await start_then_fail()

    assert channel.closed
    assert opened[0].nats.is_closed


async def test_a_failing_migration_stops_start_up_before_the_broker_is_touched(
    sqlite_url: str,
) -> None:
    async def migrate(engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
        raise _Boom

    # No broker listens on this address: reaching it would fail differently, and slowly.
    unreachable = "nats://127.0.0.1:9"

    async def start() -> None:
        async with starting("probe", _settings(sqlite_url, unreachable), migrate=migrate, event_types=[]):
            pytest.fail("the block must not run when the migration failed")

    with pytest.raises(_Boom):
        await start()


async def test_a_successful_start_leaves_everything_open_for_the_service(
    sqlite_url: str, nats_url: str
) -> None:
    channel = _Channel()
    async with starting("probe", _settings(sqlite_url, nats_url), migrate=None, event_types=[]) as base:
        base.own(channel)
    try:
        assert base.nats.is_connected
        assert not channel.closed
        async with base.engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await base.nats.close()
        await base.engine.dispose()
