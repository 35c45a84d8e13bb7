"""Billing's rules: how a reserved order becomes an invoice and when an account can pay it."""

from __future__ import annotations

from datetime import datetime

from billing.domain.model import (
    Account,
    Declined,
    FailureReason,
    Invoice,
    InvoiceStatus,
    Money,
    ReservedOrder,
)


def draft_invoice(order: ReservedOrder, shipping_fee: Money, *, invoice_id: str, now: datetime) -> Invoice:
    """A PENDING invoice for the order's lines plus the shipping fee."""
    return Invoice(
        invoice_id=invoice_id,
        order_id=order.order_id,
        customer_id=order.customer_id,
        lines=order.lines,
        subtotal=order.subtotal,
        shipping_fee=shipping_fee,
        status=InvoiceStatus.PENDING,
        create_time=now,
        update_time=now,
    )


def refusal(account: Account | None, customer_id: str, total: Money) -> Declined | None:
    """Why `account` cannot pay `total`, or None when it can."""
    if account is None:
        return Declined(FailureReason.NO_ACCOUNT, f"customer {customer_id} has no account")
    if account.currency != total.currency:
        return Declined(
            FailureReason.CURRENCY_MISMATCH,
            f"the account is kept in {account.currency}, the order is in {total.currency}",
        )
    if account.balance.amount_minor < total.amount_minor:
        return insufficient(account.balance, total)
    return None


def insufficient(balance: Money, total: Money) -> Declined:
    have = f"{balance.amount_minor} {balance.currency}"
    need = f"{total.amount_minor} {total.currency}"
    return Declined(FailureReason.INSUFFICIENT_FUNDS, f"balance {have} does not cover {need}")
