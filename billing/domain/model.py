"""Billing's entities and value objects: money, accounts, ledger entries, orders and invoices."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime

from billing.domain.errors import InvoiceNotInStatus

CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
MAX_FAILURE_DETAIL_LENGTH = 500
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Money:
    """An exact amount in the currency's minor unit; never a float."""

    amount_minor: int
    currency: str

    def plus(self, other: Money) -> Money:
        return Money(self.amount_minor + self._same_currency(other), self.currency)

    def minus(self, other: Money) -> Money:
        return Money(self.amount_minor - self._same_currency(other), self.currency)

    def times(self, factor: int) -> Money:
        return Money(self.amount_minor * factor, self.currency)

    def _same_currency(self, other: Money) -> int:
        # Adding euros to dollars is a bug in the caller, never a business outcome.
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")
        return other.amount_minor


@dataclass(frozen=True)
class PostalAddress:
    """Where an order is shipped to; billing only passes it on to shipping."""

    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class Account:
    """A customer's prepaid balance; its currency is fixed by the first top-up and it never goes negative."""

    customer_id: str
    balance: Money
    create_time: datetime
    update_time: datetime

    @property
    def currency(self) -> str:
        return self.balance.currency


class EntryKind(enum.Enum):
    """What moved an account's balance; top-ups and refunds add, charges subtract."""

    TOP_UP = "TOP_UP"
    CHARGE = "CHARGE"
    REFUND = "REFUND"


@dataclass(frozen=True)
class LedgerEntry:
    """One movement of a balance. Per account, balance = top-ups - charges + refunds.

    `reference` makes each movement unique per account and kind: the idempotency key of a top-up,
    the order id of a charge or a refund.
    """

    entry_id: str
    customer_id: str
    kind: EntryKind
    amount: Money
    balance_after: Money
    reference: str
    create_time: datetime

    @property
    def signed_minor(self) -> int:
        return -self.amount.amount_minor if self.kind is EntryKind.CHARGE else self.amount.amount_minor


@dataclass(frozen=True)
class OrderRecord:
    """Billing's note of an order, made by whichever of its invoice or its cancellation came first.

    The order id is unique, so a StockReserved and an OrderCancelled racing for the same order are
    decided by the database: the loser retries and sees what the winner stored.
    """

    order_id: str
    customer_id: str
    create_time: datetime
    cancel_time: datetime | None = None


@dataclass(frozen=True)
class InvoiceLine:
    """One billed line, priced at the reservation's snapshot."""

    sku: str
    quantity: int
    unit_price: Money

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class ReservedOrder:
    """What billing learns from StockReserved: everything needed to price, charge and ship an order."""

    order_id: str
    customer_id: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    shipping_address: PostalAddress
    total_weight_grams: int

    @property
    def subtotal(self) -> Money:
        return Money(sum(line.line_total.amount_minor for line in self.lines), self.currency)


@dataclass(frozen=True)
class ShippingQuote:
    """Shipping's price for the order's parcel."""

    fee: Money
    carrier: str
    eta_days: int


class InvoiceStatus(enum.Enum):
    """PENDING, then PAID or FAILED; only PAID may become REFUNDED."""

    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class FailureReason(enum.Enum):
    """Why an order could not be paid."""

    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    NO_ACCOUNT = "NO_ACCOUNT"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    UNSHIPPABLE = "UNSHIPPABLE"


@dataclass(frozen=True)
class Captured:
    """The payment was taken; `reference` identifies it with the payment method (a ledger entry id)."""

    reference: str


@dataclass(frozen=True)
class Declined:
    """The payment was refused for `reason`; `detail` explains it to a person."""

    reason: FailureReason
    detail: str


PaymentResult = Captured | Declined


@dataclass(frozen=True)
class Invoice:
    """What one order costs and whether it was paid; an order has at most one invoice."""

    invoice_id: str
    order_id: str
    customer_id: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Money
    shipping_fee: Money
    status: InvoiceStatus
    create_time: datetime
    update_time: datetime
    failure_reason: FailureReason | None = None
    failure_detail: str = ""
    pay_time: datetime | None = None
    fail_time: datetime | None = None
    refund_time: datetime | None = None

    @property
    def total(self) -> Money:
        return self.subtotal.plus(self.shipping_fee)

    def paid(self, now: datetime) -> Invoice:
        self._require(InvoiceStatus.PENDING)
        return replace(self, status=InvoiceStatus.PAID, pay_time=now, update_time=now)

    def failed(self, reason: FailureReason, detail: str, now: datetime) -> Invoice:
        self._require(InvoiceStatus.PENDING)
        return replace(
            self,
            status=InvoiceStatus.FAILED,
            failure_reason=reason,
            failure_detail=detail[:MAX_FAILURE_DETAIL_LENGTH],
            fail_time=now,
            update_time=now,
        )

    def refunded(self, now: datetime) -> Invoice:
        self._require(InvoiceStatus.PAID)
        return replace(self, status=InvoiceStatus.REFUNDED, refund_time=now, update_time=now)

    def _require(self, status: InvoiceStatus) -> None:
        if self.status is not status:
            raise InvoiceNotInStatus(self.invoice_id, self.status.value, status.value)
