"""Unit tests of the races the unique order id decides: invoicing and cancelling the same order at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from billing.domain import EntryKind, InvoiceStatus, OrderRecord, ReservedOrder
from billing.tests.builders import NOW, delivery, reserved, top_up
from billing.tests.fakes import FakeOrders, FakeQueries, FakeShipping, FakeUnitOfWork, State
from billing.use_cases import (
    DuplicateEntry,
    Outcome,
    PrepaidBalance,
    UnitOfWork,
    cancel_order,
    invoice_order,
    top_up_account,
)


class RacedOrders(FakeOrders):
    """Lets a rival transaction commit the same order first, then fails like the unique key would."""

    def __init__(self, state: State, uow: RacedUnitOfWork) -> None:
        super().__init__(state)
        self._uow = uow

    async def add(self, order: OrderRecord) -> None:
        rival, self._uow.rival = self._uow.rival, None
        if rival is None:
            await super().add(order)
            return
        await rival()
        raise DuplicateEntry(order.order_id)

    async def add_if_new(self, order: OrderRecord) -> OrderRecord | None:
        # This copy of the state cannot see the rival's commit; the unique key reports the clash.
        rival, self._uow.rival = self._uow.rival, None
        if rival is None:
            return await super().add_if_new(order)
        await rival()
        raise DuplicateEntry(order.order_id)


class RacedUnitOfWork(FakeUnitOfWork):
    """The first time it notes an order, `rival` (a concurrent use case) has just committed the same order."""

    def __init__(self, state: State, rival: Callable[[], Awaitable[object]]) -> None:
        super().__init__(state)
        self.rival: Callable[[], Awaitable[object]] | None = rival

    @property
    def orders(self) -> FakeOrders:
        return RacedOrders(self._work, self)


async def funded_state() -> State:
    state = State()
    await top_up_account(FakeUnitOfWork(state), top_up(5000), now=NOW)
    return state


async def invoice(uow: UnitOfWork, state: State, order: ReservedOrder) -> Outcome:
    return await invoice_order(
        uow,
        order,
        queries=FakeQueries(state),
        quotes=FakeShipping(),
        payments=PrepaidBalance(),
        delivery=delivery(),
        clock=lambda: NOW,
    )


async def cancel(uow: UnitOfWork, order_id: str) -> Outcome:
    return await cancel_order(uow, order_id, "alice", payments=PrepaidBalance(), delivery=delivery(), now=NOW)


async def test_a_cancellation_committed_while_invoicing_wins_and_nothing_is_charged() -> None:
    state, order = await funded_state(), reserved()
    raced = RacedUnitOfWork(state, lambda: cancel(FakeUnitOfWork(state), order.order_id))
    assert await invoice(raced, state, order) is Outcome.CANCELLED_BEFORE_INVOICE
    assert (state.invoices, state.entries(EntryKind.CHARGE)) == ({}, [])
    assert state.balance("alice") == 5000


async def test_an_invoice_committed_while_cancelling_is_refunded() -> None:
    state, order = await funded_state(), reserved()
    raced = RacedUnitOfWork(state, lambda: invoice(FakeUnitOfWork(state), state, order))
    assert await cancel(raced, order.order_id) is Outcome.REFUNDED
    assert [invoice.status for invoice in state.invoices.values()] == [InvoiceStatus.REFUNDED]
    assert state.balance("alice") == 5000
