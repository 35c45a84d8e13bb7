"""The inventory's unit of work: its repositories, its inbox and its events in one SQL transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        super().__init__(sessions, outbox)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.items = SqlItems(self.session)
        self.reservations = SqlReservations(self.session)
        self.expiry = SqlExpiry(self.session)
        return self

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await claim(self.session, inbox, consumer, event_id)

    def emit(self, event: DomainEvent) -> None:
        self.publish(outbox_message_for(event))
