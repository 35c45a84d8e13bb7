"""Composition root of the billing service: builds every part from the settings and runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc.aio
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from billing import consumers, events
from billing.grpc_api import ERROR_TABLE, SERVICE_NAME, BillingServicer
from billing.migrations import upgrade_to_head
from billing.settings import BillingSettings
from billing.shipping_client import GrpcShippingQuotes
from billing.store import BillingUnitOfWork, SqlQueries, dead_letters, outbox
from billing.use_cases import PrepaidBalance, UnitOfWork
from chassis.db import create_engine, session_factory
from chassis.grpc_client import open_channel
from chassis.grpc_server import service_server
from chassis.messaging import EventConsumer, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime
from chassis.startup import run_service, starting
from mercado.billing.v1 import billing_pb2_grpc

NAME = "billing"


@dataclass
class BillingService:
    """The wired service: the chassis runtime, the read path and its engine, the channel to shipping."""

    runtime: ServiceRuntime
    readers: AsyncEngine
    queries: SqlQueries
    shipping: grpc.aio.Channel

    async def run(self) -> None:
        try:
            await self.runtime.run()
        finally:
            # The runtime has stopped the consumer and the server by now: no quote and no read is in flight.
            await self.shipping.close()
            self.queries.close()
            await self.readers.dispose()


async def build(settings: BillingSettings) -> BillingService:
    """Migrate, connect and wire the service; `run()` then serves until SIGTERM or request_stop()."""
    migrate = upgrade_to_head if settings.migrate else None
    streams = [*events.PUBLISHED, *events.CONSUMED]
    async with starting(NAME, settings, migrate=migrate, event_types=streams) as base:
        readers = base.own_engine(_read_engine(settings.database_url, base.engine))
        # Opened here, inside the running loop: a grpc.aio channel is bound to the loop that made it.
        shipping = base.own(open_channel(settings.shipping_addr))
        sessions = session_factory(base.engine)
        box = Outbox(outbox)
        unit_of_work = _unit_of_work_factory(sessions, box)
        queries = SqlQueries(readers)
        deps = consumers.Dependencies(
            unit_of_work=unit_of_work,
            queries=queries,
            quotes=GrpcShippingQuotes(shipping, timeout_seconds=settings.quote_timeout_seconds),
            payments=PrepaidBalance(),
        )
        servicer = BillingServicer(unit_of_work=unit_of_work, queries=queries, limits=settings.limits)
        server, health = service_server(
            servicer,
            billing_pb2_grpc.add_BillingServiceServicer_to_server,
            service_name=SERVICE_NAME,
            error_table=ERROR_TABLE,
            max_message_bytes=settings.grpc_max_message_bytes,
            domain="mercado.billing",
        )
        runtime = ServiceRuntime(
            name=NAME,
            settings=settings,
            server=server,
            health=health,
            engine=base.engine,
            nats=base.nats,
            relay=OutboxRelay(box, sessions, base.js),
            consumer=_consumer(settings, base.js, sessions, deps),
        )
        return BillingService(runtime, readers, queries, shipping)


def _read_engine(url: str, engine: AsyncEngine) -> AsyncEngine:
    """SQLite reads get connections of their own so lookups never queue behind the single writer;
    PostgreSQL serves readers from the one pool, rather than holding a second pool's connections."""
    if engine.dialect.name == "sqlite":
        return create_engine(url, read_only=True)
    return engine


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
        pull_expiry_seconds=settings.consumer_pull_expiry_seconds,
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
    run_service(NAME, BillingSettings, serve)
