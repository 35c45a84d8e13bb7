"""The ports the use cases depend on: storage, the shipping quote and the payment method.

The store implements the storage ports with SQL, `billing.shipping_client` the quote over gRPC, and
`prepaid` the payment method; unit tests replace each with a fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from billing.domain import (
    Account,
    DomainEvent,
    EntryKind,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Money,
    OrderRecord,
    PaymentResult,
    ShippingQuote,
)

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Page(Generic[T, K]):
    """One page of a listing and the key to continue after it (None on the last page)."""

    entries: Sequence[T]
    next_key: K | None


class DuplicateEntry(Exception):
    """A concurrent transaction stored the same unique key first; retrying sees what it stored."""


class ShippingUnavailable(Exception):
    """Shipping could not be asked for a quote (unreachable, too slow, broken answer); try again later."""


class ShippingQuotes(Protocol):
    async def quote(self, *, country: str, weight_grams: int, currency: str) -> ShippingQuote:
        """The fee of a parcel; Unshippable if shipping refuses it, ShippingUnavailable if it cannot say."""


class AccountStore(Protocol):
    async def get(self, customer_id: str) -> Account | None: ...

    async def open(self, account: Account) -> None:
        """Store a new account; DuplicateEntry if the customer already has one."""

    async def credit(self, customer_id: str, amount_minor: int, *, now: datetime) -> Account | None:
        """Add to the balance; None if there is no such account."""

    async def debit(self, customer_id: str, amount: Money, *, now: datetime) -> Account | None:
        """Subtract atomically if the account is in the currency of `amount` and covers it; else None."""


class LedgerStore(Protocol):
    async def find(self, customer_id: str, kind: EntryKind, reference: str) -> LedgerEntry | None: ...

    async def add(self, entry: LedgerEntry) -> None:
        """Append an entry; DuplicateEntry if (customer, kind, reference) was booked already."""


class OrderStore(Protocol):
    async def find(self, order_id: str) -> OrderRecord | None: ...

    async def add(self, order: OrderRecord) -> None:
        """Note an order for the first time; DuplicateEntry if it is already noted."""

    async def add_if_new(self, order: OrderRecord) -> OrderRecord | None:
        """Note an order unless it is noted already; None if this call noted it, else the noted record."""

    async def mark_cancelled(self, order_id: str, *, now: datetime) -> bool:
        """Record the cancellation of a noted order; False if it was already cancelled."""


class InvoiceStore(Protocol):
    async def by_order(self, order_id: str) -> Invoice | None: ...

    async def add(self, invoice: Invoice) -> None:
        """Store a new invoice; DuplicateEntry if the order already has one."""

    async def update(self, invoice: Invoice, *, was: InvoiceStatus) -> bool:
        """Write the invoice's new status and times if it is still in status `was`; False otherwise."""


class UnitOfWork(Protocol):
    """One transaction: repositories, an inbox for consumed events and staged domain events."""

    @property
    def accounts(self) -> AccountStore: ...

    @property
    def ledger(self) -> LedgerStore: ...

    @property
    def orders(self) -> OrderStore: ...

    @property
    def invoices(self) -> InvoiceStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def claim(self, consumer: str, event_id: str) -> bool:
        """Record that `consumer` handled `event_id` in this transaction; False if it already did."""

    def emit(self, event: DomainEvent) -> None:
        """Stage an event; it is stored with the changes when the unit of work commits."""

    async def commit(self) -> None: ...


class PaymentGateway(Protocol):
    """The payment method. It works inside the caller's unit of work, so a payment is booked exactly
    when the invoice that records it is: the prepaid balance does this in the same transaction, and a
    remote provider would use the invoice id as its idempotency key."""

    async def charge(self, uow: UnitOfWork, invoice: Invoice, *, now: datetime) -> PaymentResult: ...

    async def refund(self, uow: UnitOfWork, invoice: Invoice, *, now: datetime) -> None: ...


class Queries(Protocol):
    """Read-only access for the lookups and listings; no transaction is held beyond one read."""

    async def account(self, customer_id: str) -> Account | None: ...

    async def invoice(self, invoice_id: str) -> Invoice | None: ...

    async def invoice_by_order(self, order_id: str) -> Invoice | None: ...

    async def invoices(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Invoice, int]: ...

    async def order(self, order_id: str) -> OrderRecord | None: ...


__all__ = [
    "AccountStore",
    "DuplicateEntry",
    "InvoiceStore",
    "LedgerStore",
    "OrderStore",
    "Page",
    "PaymentGateway",
    "Queries",
    "ShippingQuotes",
    "ShippingUnavailable",
    "UnitOfWork",
]
