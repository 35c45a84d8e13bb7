"""Unit tests of cancellations: refund a paid invoice exactly once, remember early ones, conserve money."""

from __future__ import annotations

import pytest

from billing.domain import (
    EntryKind,
    InvalidRequest,
    InvoiceStatus,
    PaymentRefunded,
    ReservedOrder,
)
from billing.tests.builders import NOW, delivery, reserved, top_up
from billing.tests.fakes import FakeQueries, FakeShipping, FakeUnitOfWork, State
from billing.use_cases import Delivery, Outcome, PrepaidBalance, cancel_order, invoice_order, top_up_account


async def paid_order(state: State, price: int = 1250) -> ReservedOrder:
    order = reserved(("MUG-001", 1, price))
    await invoice_order(
        FakeUnitOfWork(state),
        order,
        queries=FakeQueries(state),
        quotes=FakeShipping(),
        payments=PrepaidBalance(),
        delivery=delivery(),
        clock=lambda: NOW,
    )
    return order


async def cancel(state: State, order_id: str, event: Delivery | None = None) -> Outcome:
    return await cancel_order(
        FakeUnitOfWork(state),
        order_id,
        "alice",
        payments=PrepaidBalance(),
        delivery=event or delivery(),
        now=NOW,
    )


@pytest.fixture
async def state() -> State:
    funded = State()
    await top_up_account(FakeUnitOfWork(funded), top_up(5000), now=NOW)
    return funded


async def test_cancelling_a_paid_order_refunds_the_total_and_announces_it(state: State) -> None:
    order = await paid_order(state)
    assert await cancel(state, order.order_id) is Outcome.REFUNDED
    refunded = next(iter(state.invoices.values()))
    assert refunded.status is InvoiceStatus.REFUNDED
    assert state.balance("alice") == 5000
    event = state.events[-1]
    assert isinstance(event, PaymentRefunded)
    assert event.invoice.total == refunded.total


async def test_a_second_cancellation_of_the_same_order_refunds_nothing(state: State) -> None:
    order = await paid_order(state)
    await cancel(state, order.order_id, delivery("c-1"))
    assert await cancel(state, order.order_id, delivery("c-2")) is Outcome.NOTHING_TO_REFUND
    assert await cancel(state, order.order_id, delivery("c-1")) is Outcome.DUPLICATE
    assert len(state.entries(EntryKind.REFUND)) == 1
    assert state.balance("alice") == 5000


async def test_cancelling_before_the_invoice_remembers_the_order(state: State) -> None:
    order = reserved()
    assert await cancel(state, order.order_id) is Outcome.REMEMBERED
    assert state.orders[order.order_id].cancel_time == NOW
    assert (state.invoices, state.events) == ({}, [])


async def test_cancelling_a_failed_invoice_has_nothing_to_refund(state: State) -> None:
    order = await paid_order(state, price=9000)
    assert next(iter(state.invoices.values())).status is InvoiceStatus.FAILED
    events = len(state.events)
    assert await cancel(state, order.order_id) is Outcome.NOTHING_TO_REFUND
    assert len(state.events) == events
    assert state.balance("alice") == 5000


async def test_money_is_conserved_through_top_ups_charges_and_refunds(state: State) -> None:
    kept = await paid_order(state, price=1000)
    cancelled = await paid_order(state, price=700)
    await cancel(state, cancelled.order_id)
    signed = sum(entry.signed_minor for entry in state.ledger)
    assert signed == state.balance("alice") == 5000 - (1000 + 499)
    statuses = {invoice.order_id: invoice.status for invoice in state.invoices.values()}
    assert statuses == {kept.order_id: InvoiceStatus.PAID, cancelled.order_id: InvoiceStatus.REFUNDED}


async def test_a_cancellation_without_a_valid_order_id_is_refused(state: State) -> None:
    with pytest.raises(InvalidRequest):
        await cancel(state, "not-a-uuid")
    assert state.orders == {}
