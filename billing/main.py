"""Composition root of the billing service: builds every part from the settings and runs them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import grpc.aio
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from billing import consumers, events
from billing.grpc_api import ERROR_TABLE, SERVICE_NAME, BillingServicer
from billing.migrations import upgrade_to_head
from billing.settings import BillingSettings
from billing.shipping_client import GrpcShippingQuotes
from billing.store import BillingUnitOfWork, SqlQueries, dead_letters, outbox
from billing.use_cases import PrepaidBalance, Queries, UnitOfWork
from chassis.db import create_engine, session_factory
from chassis.grpc_client import open_channel
from chassis.grpc_server import HealthReporter, create_server, enable_reflection
from chassis.logs import configure_logging
from chassis.messaging import EventConsumer, connect_nats, ensure_streams, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime, run_process
from chassis.settings import load_settings
from mercado.billing.v1 import billing_pb2_grpc

logger = logging.getLogger(__name__)

NAME = "billing"


@dataclass
class BillingService:
    """The wired service: the chassis runtime, the read path's engine and the channel to shipping."""

    runtime: ServiceRuntime
    readers: AsyncEngine
    shipping: grpc.aio.Channel

    async def run(self) -> None:
        try:
            await self.runtime.run()
        finally:
            # The runtime has stopped the consumer and the server by now: no quote and no read is in flight.
            await self.shipping.close()
            await self.readers.dispose()


@contextlib.asynccontextmanager
async def _released_on_failure(*engines: AsyncEngine) -> AsyncIterator[list[Client | grpc.aio.Channel]]:
    """Close what was opened if start-up fails halfway; on success the service owns it all."""
    opened: list[Client | grpc.aio.Channel] = []
    try:
        yield opened
    except BaseException:
        for resource in opened:
            await resource.close()
        for engine in engines:
            await engine.dispose()
        raise


async def build(settings: BillingSettings) -> BillingService:
    """Migrate, connect and wire the service; `run()` then serves until SIGTERM or request_stop()."""
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    readers = _read_engine(settings.database_url, engine)
    async with _released_on_failure(engine, readers) as opened:
        if settings.migrate:
            await upgrade_to_head(engine)
            logger.info("database schema is up to date")
        nats = await connect_nats(settings.nats_url, name=NAME)
        opened.append(nats)
        js = nats.jetstream()
        await ensure_streams(js, [*events.PUBLISHED, *events.CONSUMED], replicas=settings.stream_replicas)
        # Opened here, inside the running loop: a grpc.aio channel is bound to the loop that made it.
        shipping = open_channel(settings.shipping_addr)
        opened.append(shipping)
        sessions = session_factory(engine)
        box = Outbox(outbox)
        unit_of_work = _unit_of_work_factory(sessions, box)
        queries = SqlQueries(readers)
        deps = consumers.Dependencies(
            unit_of_work=unit_of_work,
            queries=queries,
            quotes=GrpcShippingQuotes(shipping, timeout_seconds=settings.quote_timeout_seconds),
            payments=PrepaidBalance(),
        )
        server, health = _grpc_server(settings, unit_of_work, queries)
        runtime = ServiceRuntime(
            name=NAME,
            settings=settings,
            server=server,
            health=health,
            engine=engine,
            nats=nats,
            relay=OutboxRelay(box, sessions, js),
            consumer=_consumer(settings, js, sessions, deps),
        )
        return BillingService(runtime, readers, shipping)


def _read_engine(url: str, engine: AsyncEngine) -> AsyncEngine:
    """SQLite reads get connections of their own so lookups never queue behind the single writer;
    PostgreSQL serves readers from the one pool, rather than holding a second pool's connections."""
    if engine.dialect.name == "sqlite":
        return create_engine(url, read_only=True)
    return engine


def _grpc_server(
    settings: BillingSettings, unit_of_work: Callable[[], UnitOfWork], queries: Queries
) -> tuple[grpc.aio.Server, HealthReporter]:
    server = create_server(
        error_table=ERROR_TABLE,
        max_message_bytes=settings.grpc_max_message_bytes,
        domain="mercado.billing",
    )
    servicer = BillingServicer(unit_of_work=unit_of_work, queries=queries, limits=settings.limits)
    billing_pb2_grpc.add_BillingServiceServicer_to_server(servicer, server)
    health = HealthReporter([SERVICE_NAME])
    health.register(server)
    enable_reflection(server, [SERVICE_NAME])
    return server, health


def _consumer(
    settings: BillingSettings,
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    deps: consumers.Dependencies,
) -> EventConsumer:
    return EventConsumer(
        js,
        service=consumers.SERVICE,
        subscriptions=consumers.subscriptions(deps),
        dead_letters=sql_dead_letters(sessions, dead_letters),
        max_deliver=settings.consumer_max_deliver,
        backoff=settings.consumer_backoff_seconds,
        ack_wait_seconds=settings.consumer_ack_wait_seconds,
        fetch_timeout_seconds=settings.consumer_fetch_timeout_seconds,
    )


def _unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], box: Outbox
) -> Callable[[], UnitOfWork]:
    def unit_of_work() -> UnitOfWork:
        return BillingUnitOfWork(sessions, box)

    return unit_of_work


async def serve(settings: BillingSettings) -> None:
    service = await build(settings)
    await service.run()


def run() -> None:
    """Entry point of `python -m billing`: settings from BILLING_* variables, JSON logs to stderr."""
    settings = load_settings(BillingSettings)
    configure_logging(NAME, settings.log_level, settings.log_format)
    run_process(serve(settings))
