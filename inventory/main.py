"""Composition root of the inventory service: builds every part from the settings and runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import grpc.aio
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.db import session_factory
from chassis.grpc_client import open_channel
from chassis.grpc_server import service_server
from chassis.messaging import EventConsumer, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime
from chassis.startup import run_service, starting
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

NAME = "inventory"


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
    migrate = upgrade_to_head if settings.migrate else None
    streams = [*events.PUBLISHED, *events.CONSUMED]
    async with starting(NAME, settings, migrate=migrate, event_types=streams) as base:
        # Opened here, inside the running loop: a grpc.aio channel is bound to the loop that made it.
        shipping = base.own(open_channel(settings.shipping_addr))
        sessions = session_factory(base.engine)
        box = Outbox(outbox)
        unit_of_work = _unit_of_work_factory(sessions, box)
        queries = SqlQueries(base.engine)
        servicer = InventoryServicer(
            unit_of_work=unit_of_work,
            queries=queries,
            limits=settings.limits,
            reservation_ttl=settings.reservation_ttl,
            group_commit=GroupCommit(base.engine),
        )
        server, health = service_server(
            servicer,
            inventory_pb2_grpc.add_InventoryServiceServicer_to_server,
            service_name=SERVICE_NAME,
            error_table=ERROR_TABLE,
            max_message_bytes=settings.grpc_max_message_bytes,
            domain="mercado.inventory",
        )
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
            engine=base.engine,
            nats=base.nats,
            relay=OutboxRelay(box, sessions, base.js),
            consumer=_consumer(settings, base.js, sessions, unit_of_work),
            background=[sweeper.run],
        )
        return InventoryService(runtime, queries, shipping)


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
        pull_expiry_seconds=settings.consumer_pull_expiry_seconds,
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
    run_service(NAME, InventorySettings, serve)
