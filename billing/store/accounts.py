"""Account and ledger repositories: balance changes are single conditional UPDATEs, entries unique."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from billing.domain import Account, EntryKind, LedgerEntry
from billing.store.rows import account_from_row, account_to_row, entry_from_row, entry_to_row
from billing.store.tables import accounts, ledger_entries
from billing.use_cases import DuplicateEntry


class SqlAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, customer_id: str) -> Account | None:
        query = select(accounts).where(accounts.c.customer_id == customer_id)
        row = (await self._session.execute(query)).mappings().first()
        return account_from_row(row) if row else None

    async def open(self, account: Account) -> None:
        try:
            await self._session.execute(insert(accounts).values(account_to_row(account)))
        except IntegrityError as error:
            raise DuplicateEntry(account.customer_id) from error

    async def credit(self, customer_id: str, amount_minor: int, *, now: datetime) -> Account | None:
        return await self._change(customer_id, amount_minor, true(), now)

    async def debit(self, customer_id: str, amount_minor: int, *, now: datetime) -> Account | None:
        # Check and subtraction in one statement: the row lock (PostgreSQL) or the write lock
        # (SQLite) makes it atomic, so concurrent charges cannot overdraw the balance.
        covered = accounts.c.balance_minor >= amount_minor
        return await self._change(customer_id, -amount_minor, covered, now)

    async def _change(
        self, customer_id: str, delta: int, condition: ColumnElement[bool], now: datetime
    ) -> Account | None:
        statement = (
            update(accounts)
            .where(accounts.c.customer_id == customer_id, condition)
            .values(balance_minor=accounts.c.balance_minor + delta, updated_at=now)
            .returning(*accounts.c)
        )
        row = (await self._session.execute(statement)).mappings().first()
        return account_from_row(row) if row else None


class SqlLedger:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, customer_id: str, kind: EntryKind, reference: str) -> LedgerEntry | None:
        query = select(ledger_entries).where(
            ledger_entries.c.customer_id == customer_id,
            ledger_entries.c.kind == kind.value,
            ledger_entries.c.reference == reference,
        )
        row = (await self._session.execute(query)).mappings().first()
        return entry_from_row(row) if row else None

    async def add(self, entry: LedgerEntry) -> None:
        # On PostgreSQL a concurrent insert of the same key waits for the first transaction and then
        # fails here; the use case retries and finds the winner's entry.
        try:
            await self._session.execute(insert(ledger_entries).values(entry_to_row(entry)))
        except IntegrityError as error:
            raise DuplicateEntry(entry.reference) from error
