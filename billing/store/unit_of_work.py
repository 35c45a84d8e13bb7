"""Billing's unit of work: its repositories, its inbox and its events in one SQL transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from billing.domain import DomainEvent
from billing.events import outbox_message_for
from billing.store.accounts import SqlAccounts, SqlLedger
from billing.store.invoices import SqlInvoices, SqlOrders
from billing.store.tables import inbox
from chassis.db import SqlUnitOfWork
from chassis.inbox import claim
from chassis.outbox import Outbox


class BillingUnitOfWork(SqlUnitOfWork):
    accounts: SqlAccounts
    ledger: SqlLedger
    orders: SqlOrders
    invoices: SqlInvoices

    def __init__(self, database: AsyncEngine | async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        super().__init__(database, outbox)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.accounts = SqlAccounts(self.connection)
        self.ledger = SqlLedger(self.connection)
        self.orders = SqlOrders(self.connection)
        self.invoices = SqlInvoices(self.connection)
        return self

    async def claim(self, consumer: str, event_id: str) -> bool:
        return await claim(self.connection, inbox, consumer, event_id)

    def emit(self, event: DomainEvent) -> None:
        self.publish(outbox_message_for(event))
