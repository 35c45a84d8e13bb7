"""Shipping's unit of work: its repositories, its inbox and its events in one SQL transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from chassis.db import SqlUnitOfWork
from chassis.inbox import claim
from chassis.outbox import Outbox
from shipping.changes import ShipmentChanges
from shipping.domain import DomainEvent, changed_shipment
from shipping.events import outbox_message_for
from shipping.store.orders import SqlOrders
from shipping.store.shipments import SqlShipments
from shipping.store.tables import inbox


class ShippingUnitOfWork(SqlUnitOfWork):
    """Also tells watchers which shipments changed, once (and only if) the transaction committed."""

    shipments: SqlShipments
    orders: SqlOrders

    def __init__(
        self,
        database: AsyncEngine | async_sessionmaker[AsyncSession],
        outbox: Outbox,
        changes: ShipmentChanges,
    ) -> None:
        super().__init__(database, outbox)
        self._changes = changes
        self._changed: set[str] = set()

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._changed = set()
        self.shipments = SqlShipments(self.connection)
        self.orders = SqlOrders(self.connection)
        return self

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await claim(self.connection, inbox, consumer, event_id)

    def emit(self, event: DomainEvent) -> None:
        # Every status change emits an event, so the events name the shipments watchers care about.
        self.publish(outbox_message_for(event))
        shipment_id = changed_shipment(event)
        if shipment_id is not None:
            self._changed.add(shipment_id)

    async def commit(self) -> None:
        await super().commit()
        changed, self._changed = self._changed, set()
        if changed:
            self.after_commit(lambda: self._changes.notify(changed))

    async def rollback(self) -> None:
        self._changed = set()
        await super().rollback()
