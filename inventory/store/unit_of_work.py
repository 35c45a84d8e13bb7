"""The inventory's unit of work: its repositories, its inbox and its events in one SQL transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import SqlUnitOfWork
from chassis.inbox import claim
from chassis.outbox import Outbox
from inventory.domain import DomainEvent
from inventory.events import outbox_message_for
from inventory.store.expiry import SqlExpiry
from inventory.store.items import SqlItems
from inventory.store.reservations import SqlReservations
from inventory.store.tables import inbox


class InventoryUnitOfWork(SqlUnitOfWork):
    """Create one per RPC or message; it is never shared between tasks."""

    items: SqlItems
    reservations: SqlReservations
    expiry: SqlExpiry

    def __init__(self, database: AsyncEngine | async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        super().__init__(database, outbox)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.items = SqlItems(self.connection)
        self.reservations = SqlReservations(self.connection)
        self.expiry = SqlExpiry(self.connection)
        return self

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await claim(self.connection, inbox, consumer, event_id)

    def emit(self, event: DomainEvent) -> None:
        self.publish(outbox_message_for(event))
