"""Unit tests of invoicing a reserved order: quote, invoice, charge or fail, once per order."""

from __future__ import annotations

import pytest

from billing.domain import (
    EntryKind,
    FailureReason,
    InvalidRequest,
    Invoice,
    InvoiceStatus,
    Money,
    OrderRecord,
    PaymentCaptured,
    PaymentFailed,
    ReservedOrder,
    ShippingQuote,
)
from billing.tests.builders import ADDRESS, NOW, delivery, eur, reserved, top_up
from billing.tests.fakes import FakeQueries, FakeShipping, FakeUnitOfWork, State
from billing.use_cases import (
    Delivery,
    Outcome,
    PrepaidBalance,
    ShippingUnavailable,
    invoice_order,
    top_up_account,
)


async def funded(amount: int, *, customer_id: str = "alice", currency: str = "EUR") -> State:
    state = State()
    request = top_up(amount, customer_id=customer_id, currency=currency)
    await top_up_account(FakeUnitOfWork(state), request, now=NOW)
    return state


async def invoice(
    state: State, order: ReservedOrder, shipping: FakeShipping, event: Delivery | None = None
) -> Outcome:
    return await invoice_order(
        FakeUnitOfWork(state),
        order,
        queries=FakeQueries(state),
        quotes=shipping,
        payments=PrepaidBalance(),
        delivery=event or delivery(),
        clock=lambda: NOW,
    )


def only_invoice(state: State) -> Invoice:
    assert len(state.invoices) == 1
    return next(iter(state.invoices.values()))


async def test_an_order_the_balance_covers_is_paid_and_announced_for_shipping() -> None:
    state = await funded(5000)
    order = reserved(("MUG-001", 2, 1250), weight=700)
    assert await invoice(state, order, FakeShipping(eur(499))) is Outcome.PAID
    paid = only_invoice(state)
    assert (paid.status, paid.subtotal, paid.shipping_fee, paid.total) == (
        InvoiceStatus.PAID,
        eur(2500),
        eur(499),
        eur(2999),
    )
    assert state.balance("alice") == 5000 - 2999
    assert [e.amount for e in state.entries(EntryKind.CHARGE)] == [eur(2999)]
    captured = state.events[-1]
    assert isinstance(captured, PaymentCaptured)
    assert (captured.shipping_address, captured.total_weight_grams) == (ADDRESS, 700)


async def test_shipping_is_asked_for_the_destination_weight_and_currency() -> None:
    shipping = FakeShipping()
    await invoice(await funded(5000), reserved(weight=1200), shipping)
    assert shipping.asked == [("GB", 1200, "EUR")]


async def test_shipping_is_asked_before_the_transaction_opens() -> None:
    state = await funded(5000)
    uow = FakeUnitOfWork(state)
    during_quote: list[bool] = []

    class Watching(FakeShipping):
        async def quote(self, *, country: str, weight_grams: int, currency: str) -> ShippingQuote:
            during_quote.append(uow.in_transaction)
            return await super().quote(country=country, weight_grams=weight_grams, currency=currency)

    outcome = await invoice_order(
        uow,
        reserved(),
        queries=FakeQueries(state),
        quotes=Watching(),
        payments=PrepaidBalance(),
        delivery=delivery(),
        clock=lambda: NOW,
    )
    assert (outcome, during_quote) == (Outcome.PAID, [False])


async def test_an_order_the_balance_does_not_cover_fails_and_leaves_the_balance() -> None:
    state = await funded(1000)
    assert await invoice(state, reserved(("MUG-001", 1, 1250)), FakeShipping()) is Outcome.PAYMENT_FAILED
    failed = only_invoice(state)
    assert (failed.status, failed.failure_reason) == (InvoiceStatus.FAILED, FailureReason.INSUFFICIENT_FUNDS)
    assert state.balance("alice") == 1000
    assert state.entries(EntryKind.CHARGE) == []
    assert isinstance(state.events[-1], PaymentFailed)


async def test_a_customer_without_an_account_fails_with_no_account() -> None:
    state = State()
    await invoice(state, reserved(customer_id="carol"), FakeShipping())
    assert only_invoice(state).failure_reason is FailureReason.NO_ACCOUNT
    assert isinstance(state.events[-1], PaymentFailed)


async def test_an_account_in_another_currency_fails_with_currency_mismatch() -> None:
    state = await funded(100_000, currency="USD")
    await invoice(state, reserved(), FakeShipping())
    assert only_invoice(state).failure_reason is FailureReason.CURRENCY_MISMATCH
    assert state.balance("alice") == 100_000


async def test_an_unshippable_destination_fails_without_charging() -> None:
    state = await funded(5000)
    shipping = FakeShipping()
    shipping.refuse = "no rate to AQ"
    await invoice(state, reserved(), shipping)
    failed = only_invoice(state)
    assert (failed.failure_reason, failed.failure_detail) == (FailureReason.UNSHIPPABLE, "no rate to AQ")
    assert failed.shipping_fee == eur(0)
    assert state.balance("alice") == 5000


async def test_a_redelivered_event_charges_once() -> None:
    state = await funded(5000)
    order, event = reserved(), delivery("e-1")
    await invoice(state, order, FakeShipping(), event)
    events = list(state.events)
    assert await invoice(state, order, FakeShipping(), event) is Outcome.DUPLICATE
    assert state.events == events
    assert len(state.entries(EntryKind.CHARGE)) == 1


async def test_a_second_event_for_an_invoiced_order_neither_charges_nor_asks_shipping() -> None:
    state = await funded(5000)
    order = reserved()
    await invoice(state, order, FakeShipping())
    shipping = FakeShipping()
    assert await invoice(state, order, shipping) is Outcome.ALREADY_INVOICED
    assert shipping.asked == []
    assert len(state.invoices) == 1
    assert state.balance("alice") == 5000 - 1250 - 499


async def test_an_order_cancelled_before_it_was_invoiced_is_never_charged() -> None:
    state = await funded(5000)
    order = reserved()
    state.orders[order.order_id] = OrderRecord(order.order_id, "alice", NOW, cancel_time=NOW)
    shipping = FakeShipping()
    assert await invoice(state, order, shipping) is Outcome.CANCELLED_BEFORE_INVOICE
    assert (state.invoices, state.events, shipping.asked) == ({}, [], [])
    assert state.balance("alice") == 5000


async def test_unavailable_shipping_stores_nothing_so_the_retry_can_invoice() -> None:
    state = await funded(5000)
    order, event = reserved(), delivery("e-1")
    shipping = FakeShipping()
    shipping.down = True
    with pytest.raises(ShippingUnavailable):
        await invoice(state, order, shipping, event)
    assert (state.invoices, state.orders, state.balance("alice")) == ({}, {}, 5000)
    shipping.down = False
    assert await invoice(state, order, shipping, event) is Outcome.PAID


async def test_a_quote_in_another_currency_counts_as_unavailable_shipping() -> None:
    state = await funded(5000)
    with pytest.raises(ShippingUnavailable):
        await invoice(state, reserved(), FakeShipping(Money(499, "USD")))
    assert state.invoices == {}


async def test_an_order_without_lines_cannot_be_invoiced() -> None:
    order = reserved()
    empty = ReservedOrder(order.order_id, "alice", "EUR", (), ADDRESS, 700)
    with pytest.raises(InvalidRequest):
        await invoice(await funded(5000), empty, FakeShipping())
