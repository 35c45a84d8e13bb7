"""Composition root of the shipping service: builds every part from the settings and runs them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import create_engine, session_factory
from chassis.grpc_server import HealthReporter, create_server, enable_reflection
from chassis.logs import configure_logging
from chassis.messaging import EventConsumer, connect_nats, ensure_streams, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime, run_process
from chassis.settings import load_settings
from mercado.shipping.v1 import shipping_pb2_grpc
from shipping import consumers, events
from shipping.changes import ShipmentChanges
from shipping.grpc_api import ERROR_DOMAIN, ERROR_TABLE, SERVICE_NAME, ShippingServicer
from shipping.migrations import upgrade_to_head
from shipping.settings import ShippingSettings
from shipping.store import ShippingUnitOfWork, SqlQueries, dead_letters, outbox
from shipping.use_cases import UnitOfWork

logger = logging.getLogger(__name__)

NAME = "shipping"


@contextlib.asynccontextmanager
async def _released_on_failure(engine: AsyncEngine) -> AsyncIterator[list[Client]]:
    """Dispose what was opened if start-up fails halfway; on success the runtime owns it all."""
    opened: list[Client] = []
    try:
        yield opened
    except BaseException:
        for client in opened:
            await client.close()
        await engine.dispose()
        raise


async def build(settings: ShippingSettings) -> ServiceRuntime:
    """Migrate, connect and wire the service; `ServiceRuntime.run()` then serves until stopped."""
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    async with _released_on_failure(engine) as opened:
        if settings.migrate:
            await upgrade_to_head(engine)
            logger.info("database schema is up to date")
        nats = await connect_nats(settings.nats_url, name=NAME)
        opened.append(nats)
        js = nats.jetstream()
        await ensure_streams(js, [*events.PUBLISHED, *events.CONSUMED], replicas=settings.stream_replicas)
        sessions = session_factory(engine)
        box = Outbox(outbox)
        changes = ShipmentChanges()
        unit_of_work = _unit_of_work_factory(sessions, box, changes)
        consumer = EventConsumer(
            js,
            service=consumers.SERVICE,
            subscriptions=consumers.subscriptions(unit_of_work),
            dead_letters=sql_dead_letters(sessions, dead_letters),
            max_deliver=settings.consumer_max_deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
            fetch_timeout_seconds=settings.consumer_fetch_timeout_seconds,
        )
        server = create_server(
            error_table=ERROR_TABLE, max_message_bytes=settings.grpc_max_message_bytes, domain=ERROR_DOMAIN
        )
        servicer = ShippingServicer(
            unit_of_work=unit_of_work,
            queries=SqlQueries(engine),
            changes=changes,
            limits=settings.limits,
            watch_poll_seconds=settings.watch_poll_seconds,
        )
        shipping_pb2_grpc.add_ShippingServiceServicer_to_server(servicer, server)
        health = HealthReporter([SERVICE_NAME])
        health.register(server)
        enable_reflection(server, [SERVICE_NAME])
        return ServiceRuntime(
            name=NAME,
            settings=settings,
            server=server,
            health=health,
            engine=engine,
            nats=nats,
            relay=OutboxRelay(box, sessions, js),
            consumer=consumer,
        )


def _unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], box: Outbox, changes: ShipmentChanges
) -> Callable[[], UnitOfWork]:
    def unit_of_work() -> UnitOfWork:
        return ShippingUnitOfWork(sessions, box, changes)

    return unit_of_work


async def serve(settings: ShippingSettings) -> None:
    runtime = await build(settings)
    await runtime.run()


def run() -> None:
    """Entry point of `python -m shipping`: settings from SHIPPING_* variables, JSON logs to stderr."""
    settings = load_settings(ShippingSettings)
    configure_logging(NAME, settings.log_level, settings.log_format)
    run_process(serve(settings))
