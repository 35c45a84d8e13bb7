"""Handling a cancelled order: refund a paid invoice exactly once, or remember it so it is never charged."""

from __future__ import annotations

from datetime import datetime

from billing.domain import InvoiceStatus, OrderRecord, PaymentRefunded
from billing.use_cases.outcomes import Delivery, Outcome
from billing.use_cases.ports import DuplicateEntry, PaymentGateway, UnitOfWork
from billing.use_cases.requests import check_uuid


async def cancel_order(
    uow: UnitOfWork,
    order_id: str,
    customer_id: str,
    *,
    payments: PaymentGateway,
    delivery: Delivery,
    now: datetime,
) -> Outcome:
    check_uuid(order_id, "order_id")

    async def attempt() -> Outcome:
        return await _cancel(uow, order_id, customer_id, payments=payments, delivery=delivery, now=now)

    try:
        return await attempt()
    except DuplicateEntry:
        # The order was invoiced between our read and our write; now there may be something to refund.
        return await attempt()


async def _cancel(
    uow: UnitOfWork,
    order_id: str,
    customer_id: str,
    *,
    payments: PaymentGateway,
    delivery: Delivery,
    now: datetime,
) -> Outcome:
    async with uow:
        if not await uow.claim(delivery.consumer, delivery.event_id):
            return Outcome.DUPLICATE
        if await uow.orders.find(order_id) is None:
            await uow.orders.add(OrderRecord(order_id, customer_id, now, cancel_time=now))
            outcome = Outcome.REMEMBERED
        else:
            await uow.orders.mark_cancelled(order_id, now=now)
            outcome = await _refund(uow, order_id, payments, now)
        await uow.commit()
    return outcome


async def _refund(uow: UnitOfWork, order_id: str, payments: PaymentGateway, now: datetime) -> Outcome:
    """Refund a PAID invoice; the conditional status change lets only one cancellation through."""
    invoice = await uow.invoices.by_order(order_id)
    if invoice is None or invoice.status is not InvoiceStatus.PAID:
        return Outcome.NOTHING_TO_REFUND
    refunded = invoice.refunded(now)
    if not await uow.invoices.update(refunded, was=InvoiceStatus.PAID):
        return Outcome.NOTHING_TO_REFUND
    await payments.refund(uow, refunded, now=now)
    uow.emit(PaymentRefunded(refunded))
    return Outcome.REFUNDED
