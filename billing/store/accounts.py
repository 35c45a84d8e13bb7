"""Account and ledger repositories: balance changes are single conditional UPDATEs, entries unique."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, bindparam, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.domain import Account, EntryKind, LedgerEntry, Money
from billing.store.rows import account_from_row, account_to_row, entry_from_row, entry_to_row
from billing.store.tables import accounts, ledger_entries
from billing.use_cases import DuplicateEntry
from chassis.prepared import PreparedStatement

_a = accounts.c
_l = ledger_entries.c


def _balance_change(condition: ColumnElement[bool]) -> PreparedStatement:
    """Add `b_delta` to one account's balance if `condition` holds, returning the row."""
    return PreparedStatement(
        update(accounts)
        .where(_a.customer_id == bindparam("b_customer_id"), condition)
        .values(
            balance_minor=_a.balance_minor + bindparam("b_delta", type_=BigInteger),
            updated_at=bindparam("b_now"),
        )
        .returning(*accounts.c)
    )


# Built once: building a statement cost about as much CPU as executing it.
_GET = PreparedStatement(select(accounts).where(_a.customer_id == bindparam("b_customer_id")))
_CREDIT = _balance_change(true())
# Check and subtraction in one statement: the row lock (PostgreSQL) or the write lock (SQLite) makes
# it atomic, so concurrent charges cannot overdraw the balance.
_DEBIT = _balance_change(
    and_(_a.currency == bindparam("b_currency"), _a.balance_minor >= bindparam("b_amount", type_=BigInteger))
)
_FIND_ENTRY = PreparedStatement(
    select(ledger_entries).where(
        _l.customer_id == bindparam("b_customer_id"),
        _l.kind == bindparam("b_kind"),
        _l.reference == bindparam("b_reference"),
    )
)
_INSERT_ENTRY = PreparedStatement(insert(ledger_entries))


class SqlAccounts:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def get(self, customer_id: str) -> Account | None:
        row = (await _GET.execute(self._db, {"b_customer_id": customer_id})).first_mapping()
        return account_from_row(row) if row else None

    async def open(self, account: Account) -> None:
        try:
            await self._db.execute(insert(accounts).values(account_to_row(account)))
        except IntegrityError as error:
            raise DuplicateEntry(account.customer_id) from error

    async def credit(self, customer_id: str, amount_minor: int, *, now: datetime) -> Account | None:
        return await self._change(
            _CREDIT, {"b_customer_id": customer_id, "b_delta": amount_minor, "b_now": now}
        )

    async def debit(self, customer_id: str, amount: Money, *, now: datetime) -> Account | None:
        parameters = {
            "b_customer_id": customer_id,
            "b_delta": -amount.amount_minor,
            "b_amount": amount.amount_minor,
            "b_currency": amount.currency,
            "b_now": now,
        }
        return await self._change(_DEBIT, parameters)

    async def _change(self, statement: PreparedStatement, parameters: dict[str, Any]) -> Account | None:
        row = (await statement.execute(self._db, parameters)).first_mapping()
        return account_from_row(row) if row else None


class SqlLedger:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def find(self, customer_id: str, kind: EntryKind, reference: str) -> LedgerEntry | None:
        parameters = {"b_customer_id": customer_id, "b_kind": kind.value, "b_reference": reference}
        row = (await _FIND_ENTRY.execute(self._db, parameters)).first_mapping()
        return entry_from_row(row) if row else None

    async def add(self, entry: LedgerEntry) -> None:
        # On PostgreSQL a concurrent insert of the same key waits for the first transaction and then
        # fails here; the use case retries and finds the winner's entry.
        try:
            await _INSERT_ENTRY.execute(self._db, entry_to_row(entry))
        except IntegrityError as error:
            raise DuplicateEntry(entry.reference) from error
