"""The default payment method: the prepaid balance, moved in the caller's transaction with a ledger entry."""

from __future__ import annotations

import uuid
from datetime import datetime

from billing.domain import (
    AccountNotFound,
    Captured,
    EntryKind,
    Invoice,
    LedgerEntry,
    Money,
    PaymentResult,
    insufficient,
    refusal,
)
from billing.use_cases.ports import UnitOfWork


class PrepaidBalance:
    """PaymentGateway over the accounts and the ledger of the unit of work."""

    async def charge(self, uow: UnitOfWork, invoice: Invoice, *, now: datetime) -> PaymentResult:
        total, customer_id = invoice.total, invoice.customer_id
        # The debit checks the currency and the balance in the same statement, so two orders racing
        # for the last euros cannot both be paid from them, and a paid order costs one statement;
        # only a refused one reads the account to say why.
        account = await uow.accounts.debit(customer_id, total, now=now)
        if account is None:
            current = await uow.accounts.get(customer_id)
            return refusal(current, customer_id, total) or insufficient(
                current.balance if current else total.times(0), total
            )
        entry = _entry(invoice, EntryKind.CHARGE, account.balance, now)
        await uow.ledger.add(entry)
        return Captured(entry.entry_id)

    async def refund(self, uow: UnitOfWork, invoice: Invoice, *, now: datetime) -> None:
        account = await uow.accounts.credit(invoice.customer_id, invoice.total.amount_minor, now=now)
        if account is None:
            raise AccountNotFound(invoice.customer_id)
        await uow.ledger.add(_entry(invoice, EntryKind.REFUND, account.balance, now))


def _entry(invoice: Invoice, kind: EntryKind, balance_after: Money, now: datetime) -> LedgerEntry:
    return LedgerEntry(
        entry_id=str(uuid.uuid4()),
        customer_id=invoice.customer_id,
        kind=kind,
        amount=invoice.total,
        balance_after=balance_after,
        reference=invoice.order_id,
        create_time=now,
    )
