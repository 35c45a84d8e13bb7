"""Composition root of the shipping service: builds every part from the settings and runs them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.db import session_factory
from chassis.grpc_server import service_server
from chassis.messaging import EventConsumer, sql_dead_letters
from chassis.outbox import Outbox, OutboxRelay
from chassis.runtime import ServiceRuntime
from chassis.startup import run_service, starting
from mercado.shipping.v1 import shipping_pb2_grpc
from shipping import consumers, events
from shipping.changes import ShipmentChanges
from shipping.grpc_api import ERROR_DOMAIN, ERROR_TABLE, SERVICE_NAME, ShippingServicer
from shipping.migrations import upgrade_to_head
from shipping.settings import ShippingSettings
from shipping.store import ShippingUnitOfWork, SqlQueries, dead_letters, outbox
from shipping.use_cases import UnitOfWork

NAME = "shipping"


async def build(settings: ShippingSettings) -> ServiceRuntime:
    """Migrate, connect and wire the service; `ServiceRuntime.run()` then serves until stopped."""
    migrate = upgrade_to_head if settings.migrate else None
    streams = [*events.PUBLISHED, *events.CONSUMED]
    async with starting(NAME, settings, migrate=migrate, event_types=streams) as base:
        sessions = session_factory(base.engine)
        box = Outbox(outbox)
        changes = ShipmentChanges()
        unit_of_work = _unit_of_work_factory(sessions, box, changes)
        consumer = EventConsumer(
            base.js,
            service=consumers.SERVICE,
            subscriptions=consumers.subscriptions(unit_of_work),
            dead_letters=sql_dead_letters(sessions, dead_letters),
            max_deliver=settings.consumer_max_deliver,
            ack_wait_seconds=settings.consumer_ack_wait_seconds,
            pull_expiry_seconds=settings.consumer_pull_expiry_seconds,
        )
        servicer = ShippingServicer(
            unit_of_work=unit_of_work,
            queries=SqlQueries(base.engine),
            changes=changes,
            limits=settings.limits,
            watch_poll_seconds=settings.watch_poll_seconds,
        )
        server, health = service_server(
            servicer,
            shipping_pb2_grpc.add_ShippingServiceServicer_to_server,
            service_name=SERVICE_NAME,
            error_table=ERROR_TABLE,
            max_message_bytes=settings.grpc_max_message_bytes,
            domain=ERROR_DOMAIN,
        )
        return ServiceRuntime(
            name=NAME,
            settings=settings,
            server=server,
            health=health,
            engine=base.engine,
            nats=base.nats,
            relay=OutboxRelay(box, sessions, base.js),
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
    run_service(NAME, ShippingSettings, serve)
