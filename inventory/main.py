"""Composition root of the inventory service: builds every part from the settings and runs them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import grpc.aio
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import create_engine, session_factory
from chassis.grpc_client import open_channel
from chassis.grpc_server import HealthReporter, create_server, enable_reflection
from chassis.logs import configure_logging
from chassis.messaging import EventConsumer, connect_nats, ensure_streams, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime, run_process
from chassis.settings import load_settings
from chassis.transaction_batch import GroupCommit
from inventory import consumers, events
from inventory.grpc_api import ERROR_TABLE, SERVICE_NAME, InventoryServicer
from inventory.migrations import upgrade_to_head
from inventory.settings import InventorySettings
from inventory.shipping_client import GrpcOrderCancellations
from inventory.store import InventoryUnitOfWork, SqlQueries, dead_letters, outbox
from inventory.sweeper import ExpirySweeper
from inventory.use_cases import UnitOfWork
from mercado.inventory.v1 import inventory_pb2_grpc

logger = logging.getLogger(__name__)

NAME = "inventory"


@contextlib.asynccontextmanager
async def _released_on_failure(engine: AsyncEngine) -> AsyncIterator[list[Client | grpc.aio.Channel]]:
    """Dispose what was opened if start-up fails halfway; on success the runtime owns it all."""
    opened: list[Client | grpc.aio.Channel] = []
    try:
        yield opened
    except BaseException:
        for resource in opened:
            await resource.close()
        await engine.dispose()
        raise


@dataclass
class InventoryService:
    """The wired service: the chassis runtime, the read path's own threads and the channel to shipping."""

    runtime: ServiceRuntime
    queries: SqlQueries
    shipping: grpc.aio.Channel

    async def run(self) -> None:
        try:
            await self.runtime.run()
        finally:
            # The runtime has stopped serving and cancelled the expiry sweep by now, so no read and no
            # CancelOrder call can be in flight.
            self.queries.close()
            await self.shipping.close()


async def build(settings: InventorySettings) -> InventoryService:
    """Migrate, connect and wire the service; `run()` then serves until SIGTERM or request_stop()."""
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
        # Opened here, inside the running loop: a grpc.aio channel is bound to the loop that made it.
        shipping = open_channel(settings.shipping_addr)
        opened.append(shipping)
        sessions = session_factory(engine)
        box = Outbox(outbox)
        unit_of_work = _unit_of_work_factory(sessions, box)
        queries = SqlQueries(engine)
        server, health = _grpc_server(settings, unit_of_work, queries, GroupCommit(engine))
        sweeper = ExpirySweeper(
            unit_of_work,
            GrpcOrderCancellations(shipping, timeout_seconds=settings.cancel_timeout_seconds),
            policy=settings.sweep_policy,
            interval_seconds=settings.expiry_sweep_seconds,
        )
        runtime = ServiceRuntime(
            name=NAME,
            settings=settings,
            server=server,
            health=health,
            engine=engine,
            nats=nats,
            relay=OutboxRelay(box, sessions, js),
            consumer=_consumer(settings, js, sessions, unit_of_work),
            background=[sweeper.run],
        )
        return InventoryService(runtime, queries, shipping)


def _grpc_server(
    settings: InventorySettings,
    unit_of_work: Callable[[], UnitOfWork],
    queries: SqlQueries,
    group_commit: GroupCommit,
) -> tuple[grpc.aio.Server, HealthReporter]:
    server = create_server(
        error_table=ERROR_TABLE,
        max_message_bytes=settings.grpc_max_message_bytes,
        domain="mercado.inventory",
    )
    servicer = InventoryServicer(
        unit_of_work=unit_of_work,
        queries=queries,
        limits=settings.limits,
        reservation_ttl=settings.reservation_ttl,
        group_commit=group_commit,
    )
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(servicer, server)
    health = HealthReporter([SERVICE_NAME])
    health.register(server)
    enable_reflection(server, [SERVICE_NAME])
    return server, health


def _consumer(
    settings: InventorySettings,
    js: JetStreamContext,
    sessions: async_sessionmaker[AsyncSession],
    unit_of_work: Callable[[], UnitOfWork],
) -> EventConsumer:
    return EventConsumer(
        js,
        service=consumers.SERVICE,
        subscriptions=consumers.subscriptions(unit_of_work),
        dead_letters=sql_dead_letters(sessions, dead_letters),
        max_deliver=settings.consumer_max_deliver,
        ack_wait_seconds=settings.consumer_ack_wait_seconds,
        fetch_timeout_seconds=settings.consumer_fetch_timeout_seconds,
    )


def _unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession], box: Outbox
) -> Callable[[], UnitOfWork]:
    def unit_of_work() -> UnitOfWork:
        return InventoryUnitOfWork(sessions, box)

    return unit_of_work


async def serve(settings: InventorySettings) -> None:
    service = await build(settings)
    await service.run()


def run() -> None:
    """Entry point of `python -m inventory`: settings from INVENTORY_* variables, JSON logs to stderr."""
    settings = load_settings(InventorySettings)
    configure_logging(NAME, settings.log_level, settings.log_format)
    run_process(serve(settings))
