"""Integration tests of cancellations: refunds exactly once, and no charge after an early cancellation."""

from __future__ import annotations

import uuid

from nats.js import JetStreamContext

from billing.events import ORDER_CANCELLED, STOCK_RESERVED
from billing.store.tables import invoices
from billing.tests.harness import RunningService
from billing.tests.messaging import handled, publish, published, stock_reserved
from billing.tests.test_saga_payments import invoice_of, settled_invoice
from chassis.testing import eventually
from mercado.billing.v1 import billing_pb2 as pb
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.shipping.v1 import events_pb2 as shipping_events


def cancelled(order_id: str) -> shipping_events.OrderCancelled:
    return shipping_events.OrderCancelled(
        order_id=order_id,
        customer_id="alice",
        reason=shipping_events.CANCELLATION_REASON_CUSTOMER_REQUEST,
    )


async def test_an_order_cancelled_before_it_was_reserved_is_never_charged(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    await saga_service.top_up("alice", 10_000)
    event = stock_reserved()
    await handled(js, ORDER_CANCELLED, await publish(js, cancelled(event.order_id)))
    await handled(js, STOCK_RESERVED, await publish(js, event))
    assert await invoice_of(saga_service, event.order_id) is None
    assert await saga_service.balance("alice") == 10_000
    assert await published(js, billing_events.PaymentCaptured, event.order_id) == []
    assert await published(js, billing_events.PaymentFailed, event.order_id) == []
    assert await saga_service.dead_lettered() == []


async def test_a_paid_order_cancelled_twice_is_refunded_once(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    await saga_service.top_up("alice", 10_000)
    event = stock_reserved()
    await publish(js, event)
    paid = await settled_invoice(saga_service, event.order_id)
    cancel_id = str(uuid.uuid4())
    await publish(js, cancelled(event.order_id), event_id=cancel_id)
    await publish(js, cancelled(event.order_id), event_id=cancel_id)
    last = await publish(js, cancelled(event.order_id))  # a second cancellation event, too
    await handled(js, ORDER_CANCELLED, last)
    refunded = await invoice_of(saga_service, event.order_id)
    assert refunded is not None
    assert refunded.status == pb.INVOICE_STATUS_REFUNDED
    assert await saga_service.balance("alice") == 10_000
    assert [kind for kind, _ in await saga_service.ledger("alice")] == ["TOP_UP", "CHARGE", "REFUND"]
    assert await saga_service.money_is_conserved("alice")

    async def announced() -> bool:
        return len(await published(js, billing_events.PaymentRefunded, event.order_id)) == 1

    await eventually(announced, message="PaymentRefunded was not published")
    [refund] = await published(js, billing_events.PaymentRefunded, event.order_id)
    assert isinstance(refund, billing_events.PaymentRefunded)
    assert refund.amount == paid.total
    assert await saga_service.dead_lettered() == []


async def test_cancelling_a_failed_order_refunds_nothing(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    await saga_service.top_up("alice", 100)
    event = stock_reserved()
    await publish(js, event)
    failed = await settled_invoice(saga_service, event.order_id)
    assert failed.status == pb.INVOICE_STATUS_FAILED
    await handled(js, ORDER_CANCELLED, await publish(js, cancelled(event.order_id)))
    assert (await invoice_of(saga_service, event.order_id)) == failed
    assert await saga_service.balance("alice") == 100
    assert await published(js, billing_events.PaymentRefunded, event.order_id) == []
    assert await saga_service.count(invoices) == 1
