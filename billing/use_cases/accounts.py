"""Account use cases: read an account, and top it up exactly once per idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from billing.domain import (
    Account,
    AccountNotFound,
    CurrencyMismatch,
    EntryKind,
    IdempotencyKeyReused,
    LedgerEntry,
    Money,
)
from billing.use_cases.ports import DuplicateEntry, Queries, UnitOfWork
from billing.use_cases.requests import TopUpRequest, check_customer_id, check_top_up


@dataclass(frozen=True)
class TopUpResult:
    """The account as it is now and the top-up booked under the request's key (on a retry, the first)."""

    account: Account
    top_up: LedgerEntry


async def get_account(queries: Queries, customer_id: str) -> Account:
    check_customer_id(customer_id)
    account = await queries.account(customer_id)
    if account is None:
        raise AccountNotFound(customer_id)
    return account


async def top_up_account(uow: UnitOfWork, request: TopUpRequest, *, now: datetime) -> TopUpResult:
    """Credit the account, opening it on the first top-up; a retry with the same key credits nothing."""
    check_top_up(request)
    try:
        return await _top_up(uow, request, now)
    except DuplicateEntry:
        # A concurrent call booked the same key (or opened the account) first; the unique key decided
        # the race, so a second pass answers from what the winner stored.
        return await _top_up(uow, request, now)


async def _top_up(uow: UnitOfWork, request: TopUpRequest, now: datetime) -> TopUpResult:
    customer_id, amount = request.customer_id, request.amount
    async with uow:
        earlier = await uow.ledger.find(customer_id, EntryKind.TOP_UP, request.idempotency_key)
        if earlier is not None:
            return await _replay(uow, earlier, request)
        account = await uow.accounts.get(customer_id)
        if account is None:
            await uow.accounts.open(Account(customer_id, Money(0, amount.currency), now, now))
        elif account.currency != amount.currency:
            raise CurrencyMismatch(customer_id, account.currency, amount.currency)
        credited = await uow.accounts.credit(customer_id, amount.amount_minor, now=now)
        if credited is None:
            raise AccountNotFound(customer_id)
        entry = LedgerEntry(
            entry_id=str(uuid.uuid4()),
            customer_id=customer_id,
            kind=EntryKind.TOP_UP,
            amount=amount,
            balance_after=credited.balance,
            reference=request.idempotency_key,
            create_time=now,
        )
        await uow.ledger.add(entry)
        await uow.commit()
    return TopUpResult(credited, entry)


async def _replay(uow: UnitOfWork, earlier: LedgerEntry, request: TopUpRequest) -> TopUpResult:
    if earlier.amount != request.amount:
        raise IdempotencyKeyReused(request.customer_id, request.idempotency_key)
    account = await uow.accounts.get(request.customer_id)
    if account is None:
        raise AccountNotFound(request.customer_id)
    return TopUpResult(account, earlier)
