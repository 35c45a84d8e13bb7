"""In-memory stand-ins for billing's ports, with the same all-or-nothing transaction semantics."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from billing.domain import (
    Account,
    DomainEvent,
    EntryKind,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Money,
    OrderRecord,
    ShippingQuote,
    Unshippable,
)
from billing.use_cases import DuplicateEntry, Page, ShippingUnavailable


@dataclass
class State:
    """What a database would hold; only a committed unit of work changes it."""

    accounts: dict[str, Account] = field(default_factory=dict)
    ledger: list[LedgerEntry] = field(default_factory=list)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list)

    def copy(self) -> State:
        return State(
            dict(self.accounts),
            list(self.ledger),
            dict(self.orders),
            dict(self.invoices),
            set(self.inbox),
            [],
        )

    def balance(self, customer_id: str) -> int:
        return self.accounts[customer_id].balance.amount_minor

    def entries(self, kind: EntryKind) -> list[LedgerEntry]:
        return [entry for entry in self.ledger if entry.kind is kind]


class FakeAccounts:
    def __init__(self, state: State) -> None:
        self._state = state

    async def get(self, customer_id: str) -> Account | None:
        return self._state.accounts.get(customer_id)

    async def open(self, account: Account) -> None:
        if account.customer_id in self._state.accounts:
            raise DuplicateEntry(account.customer_id)
        self._state.accounts[account.customer_id] = account

    async def credit(self, customer_id: str, amount_minor: int, *, now: datetime) -> Account | None:
        return self._change(customer_id, amount_minor, now)

    async def debit(self, customer_id: str, amount: Money, *, now: datetime) -> Account | None:
        account = self._state.accounts.get(customer_id)
        if account is None or account.currency != amount.currency:
            return None
        if account.balance.amount_minor < amount.amount_minor:
            return None
        return self._change(customer_id, -amount.amount_minor, now)

    def _change(self, customer_id: str, delta: int, now: datetime) -> Account | None:
        account = self._state.accounts.get(customer_id)
        if account is None:
            return None
        balance = Money(account.balance.amount_minor + delta, account.currency)
        changed = replace(account, balance=balance, update_time=now)
        self._state.accounts[customer_id] = changed
        return changed


class FakeLedger:
    def __init__(self, state: State) -> None:
        self._state = state

    async def find(self, customer_id: str, kind: EntryKind, reference: str) -> LedgerEntry | None:
        return next(
            (
                e
                for e in self._state.ledger
                if (e.customer_id, e.kind, e.reference) == (customer_id, kind, reference)
            ),
            None,
        )

    async def add(self, entry: LedgerEntry) -> None:
        if await self.find(entry.customer_id, entry.kind, entry.reference) is not None:
            raise DuplicateEntry(entry.reference)
        self._state.ledger.append(entry)


class FakeOrders:
    def __init__(self, state: State) -> None:
        self._state = state

    async def find(self, order_id: str) -> OrderRecord | None:
        return self._state.orders.get(order_id)

    async def add(self, order: OrderRecord) -> None:
        if order.order_id in self._state.orders:
            raise DuplicateEntry(order.order_id)
        self._state.orders[order.order_id] = order

    async def add_if_new(self, order: OrderRecord) -> OrderRecord | None:
        known = self._state.orders.get(order.order_id)
        if known is None:
            self._state.orders[order.order_id] = order
        return known

    async def mark_cancelled(self, order_id: str, *, now: datetime) -> bool:
        order = self._state.orders[order_id]
        if order.cancel_time is not None:
            return False
        self._state.orders[order_id] = replace(order, cancel_time=now)
        return True


class FakeInvoices:
    def __init__(self, state: State) -> None:
        self._state = state

    async def by_order(self, order_id: str) -> Invoice | None:
        return next((i for i in self._state.invoices.values() if i.order_id == order_id), None)

    async def add(self, invoice: Invoice) -> None:
        if await self.by_order(invoice.order_id) is not None:
            raise DuplicateEntry(invoice.order_id)
        self._state.invoices[invoice.invoice_id] = invoice

    async def update(self, invoice: Invoice, *, was: InvoiceStatus) -> bool:
        if self._state.invoices[invoice.invoice_id].status is not was:
            return False
        self._state.invoices[invoice.invoice_id] = invoice
        return True


class FakeUnitOfWork:
    """Works on a copy of the state and writes it back only on commit, like a rolled-back transaction."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.commits = 0
        self.in_transaction = False
        self._work = state.copy()

    @property
    def accounts(self) -> FakeAccounts:
        return FakeAccounts(self._work)

    @property
    def ledger(self) -> FakeLedger:
        return FakeLedger(self._work)

    @property
    def orders(self) -> FakeOrders:
        return FakeOrders(self._work)

    @property
    def invoices(self) -> FakeInvoices:
        return FakeInvoices(self._work)

    async def __aenter__(self) -> Self:
        self._work = self.state.copy()
        self.in_transaction = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work = self.state.copy()
        self.in_transaction = False

    async def claim(self, consumer: str, event_id: str) -> bool:
        if (consumer, event_id) in self._work.inbox:
            return False
        self._work.inbox.add((consumer, event_id))
        return True

    def emit(self, event: DomainEvent) -> None:
        self._work.events.append(event)

    async def commit(self) -> None:
        staged = self._work.events
        for name in ("accounts", "ledger", "orders", "invoices", "inbox"):
            setattr(self.state, name, getattr(self._work, name))
        self.state.events.extend(staged)
        self._work = self.state.copy()
        self.commits += 1


class FakeQueries:
    def __init__(self, state: State) -> None:
        self._state = state

    async def account(self, customer_id: str) -> Account | None:
        return self._state.accounts.get(customer_id)

    async def invoice(self, invoice_id: str) -> Invoice | None:
        return self._state.invoices.get(invoice_id)

    async def invoice_by_order(self, order_id: str) -> Invoice | None:
        return next((i for i in self._state.invoices.values() if i.order_id == order_id), None)

    async def invoices(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Invoice, int]:
        # Insertion order stands in for the store's sequence number.
        numbered = [
            (n, i)
            for n, i in enumerate(self._state.invoices.values())
            if customer_id in (None, i.customer_id)
        ]
        newest = [(n, i) for n, i in reversed(numbered) if before is None or n < before]
        page = newest[:limit]
        return Page([i for _, i in page], page[-1][0] if len(newest) > limit else None)

    async def order(self, order_id: str) -> OrderRecord | None:
        return self._state.orders.get(order_id)


class FakeShipping:
    """Quotes a flat fee, or refuses or fails the way it is told to; remembers every request."""

    def __init__(self, fee: Money | None = None) -> None:
        self.fee = fee or Money(499, "EUR")
        self.refuse: str | None = None
        self.down = False
        self.asked: list[tuple[str, int, str]] = []

    async def quote(self, *, country: str, weight_grams: int, currency: str) -> ShippingQuote:
        self.asked.append((country, weight_grams, currency))
        if self.down:
            raise ShippingUnavailable("shipping is down")
        if self.refuse is not None:
            raise Unshippable(self.refuse)
        return ShippingQuote(self.fee, "DHL", 2)


__all__ = ["FakeOrders", "FakeQueries", "FakeShipping", "FakeUnitOfWork", "State"]
