"""Unit tests of billing's value objects and rules: money, invoice life cycle, who can pay what."""

from __future__ import annotations

import pytest

from billing.domain import (
    Account,
    FailureReason,
    InvoiceNotInStatus,
    InvoiceStatus,
    Money,
    draft_invoice,
    refusal,
)
from billing.tests.builders import NOW, eur, reserved


def test_money_refuses_to_add_two_currencies() -> None:
    with pytest.raises(ValueError, match="EUR with USD"):
        eur(100).plus(Money(100, "USD"))


def test_an_invoice_totals_its_lines_and_the_shipping_fee() -> None:
    order = reserved(("MUG-001", 2, 1250), ("TEA-002", 1, 800))
    invoice = draft_invoice(order, eur(499), invoice_id="i-1", now=NOW)
    assert invoice.subtotal == eur(3300)
    assert invoice.total == eur(3799)
    assert [line.line_total for line in invoice.lines] == [eur(2500), eur(800)]
    assert invoice.status is InvoiceStatus.PENDING


def test_only_a_paid_invoice_can_be_refunded() -> None:
    draft = draft_invoice(reserved(), eur(499), invoice_id="i-1", now=NOW)
    failed = draft.failed(FailureReason.INSUFFICIENT_FUNDS, "no money", NOW)
    with pytest.raises(InvoiceNotInStatus):
        failed.refunded(NOW)
    refunded = draft.paid(NOW).refunded(NOW)
    assert (refunded.status, refunded.refund_time) == (InvoiceStatus.REFUNDED, NOW)


def test_a_settled_invoice_cannot_be_paid_again() -> None:
    paid = draft_invoice(reserved(), eur(0), invoice_id="i-1", now=NOW).paid(NOW)
    with pytest.raises(InvoiceNotInStatus):
        paid.paid(NOW)


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        (None, FailureReason.NO_ACCOUNT),
        (Account("alice", Money(10_000, "USD"), NOW, NOW), FailureReason.CURRENCY_MISMATCH),
        (Account("alice", eur(999), NOW, NOW), FailureReason.INSUFFICIENT_FUNDS),
    ],
)
def test_an_account_that_cannot_pay_says_why(account: Account | None, reason: FailureReason) -> None:
    declined = refusal(account, "alice", eur(1000))
    assert declined is not None
    assert declined.reason is reason


def test_an_account_holding_exactly_the_total_can_pay() -> None:
    assert refusal(Account("alice", eur(1000), NOW, NOW), "alice", eur(1000)) is None
