"""Invoicing a reserved order: quote shipping, then invoice and charge it in one transaction, once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from billing.domain import (
    Captured,
    FailureReason,
    Invoice,
    InvoiceStatus,
    Money,
    OrderRecord,
    PaymentCaptured,
    PaymentFailed,
    ReservedOrder,
    ShippingQuote,
    Unshippable,
    draft_invoice,
)
from billing.use_cases.outcomes import Delivery, Outcome
from billing.use_cases.ports import (
    DuplicateEntry,
    PaymentGateway,
    Queries,
    ShippingQuotes,
    ShippingUnavailable,
    UnitOfWork,
)
from billing.use_cases.requests import check_reserved_order

Quote = ShippingQuote | Unshippable


async def invoice_order(
    uow: UnitOfWork,
    order: ReservedOrder,
    *,
    queries: Queries,
    quotes: ShippingQuotes,
    payments: PaymentGateway,
    delivery: Delivery,
    clock: Callable[[], datetime],
) -> Outcome:
    """Invoice the order and take the payment, or record why it failed; redeliveries change nothing.

    The quote is a network call, so it is made before the transaction opens: a slow shipping service
    must never hold billing's write lock. An order billing already knows (invoiced, or cancelled
    first) needs no quote, so its redeliveries do not depend on shipping being up.
    """
    check_reserved_order(order)
    quote: Quote | None = None
    if await queries.order(order.order_id) is None:
        quote = await _ask_shipping(quotes, order)

    async def attempt() -> Outcome:
        return await _settle(uow, order, quote, payments=payments, delivery=delivery, now=clock())

    try:
        return await attempt()
    except DuplicateEntry:
        # A cancellation of this order was stored between our read and our write: answer from it.
        return await attempt()


async def _ask_shipping(quotes: ShippingQuotes, order: ReservedOrder) -> Quote:
    try:
        quote = await quotes.quote(
            country=order.shipping_address.country,
            weight_grams=order.total_weight_grams,
            currency=order.currency,
        )
    except Unshippable as refused:
        return refused
    if quote.fee.currency != order.currency or quote.fee.amount_minor < 0:
        raise ShippingUnavailable(
            f"shipping quoted {quote.fee.amount_minor} {quote.fee.currency} for an order in {order.currency}"
        )
    return quote


async def _settle(
    uow: UnitOfWork,
    order: ReservedOrder,
    quote: Quote | None,
    *,
    payments: PaymentGateway,
    delivery: Delivery,
    now: datetime,
) -> Outcome:
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        known = await _note_order(uow, order, noting=quote is not None, now=now)
        if known is not None:
            outcome = Outcome.CANCELLED_BEFORE_INVOICE if known.cancel_time else Outcome.ALREADY_INVOICED
        elif quote is None:
            # Orders are never forgotten, so one seen before the quote is still there now.
            raise RuntimeError(f"order {order.order_id} disappeared between two reads")
        else:
            invoice = await _invoice(uow, order, quote, payments, now)
            outcome = Outcome.PAID if invoice.status is InvoiceStatus.PAID else Outcome.PAYMENT_FAILED
        await uow.commit()
    return outcome


async def _note_order(
    uow: UnitOfWork, order: ReservedOrder, *, noting: bool, now: datetime
) -> OrderRecord | None:
    """The order as billing knew it before; when `noting`, a new order is noted in the same statement."""
    if noting:
        return await uow.orders.add_if_new(OrderRecord(order.order_id, order.customer_id, now))
    return await uow.orders.find(order.order_id)


async def _invoice(
    uow: UnitOfWork, order: ReservedOrder, quote: Quote, payments: PaymentGateway, now: datetime
) -> Invoice:
    invoice_id = str(uuid.uuid4())
    if isinstance(quote, Unshippable):
        draft = draft_invoice(order, Money(0, order.currency), invoice_id=invoice_id, now=now)
        invoice = draft.failed(FailureReason.UNSHIPPABLE, quote.detail, now)
    else:
        draft = draft_invoice(order, quote.fee, invoice_id=invoice_id, now=now)
        result = await payments.charge(uow, draft, now=now)
        if isinstance(result, Captured):
            invoice = draft.paid(now)
        else:
            invoice = draft.failed(result.reason, result.detail, now)
    await uow.invoices.add(invoice)
    if invoice.status is InvoiceStatus.PAID:
        uow.emit(PaymentCaptured(invoice, order.shipping_address, order.total_weight_grams))
    else:
        uow.emit(PaymentFailed(invoice))
    return invoice
