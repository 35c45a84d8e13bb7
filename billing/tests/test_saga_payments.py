"""Integration tests of invoicing: StockReserved on a real broker -> invoice, charge and payment events."""

from __future__ import annotations

import uuid

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext

from billing.events import STOCK_RESERVED
from billing.store.tables import invoices, ledger_entries
from billing.tests.harness import RunningService, failure_of
from billing.tests.messaging import handled, publish, published, stock_reserved
from billing.tests.shipping_fake import FEE_MINOR, FakeShipping
from chassis.testing import eventually
from mercado.billing.v1 import billing_pb2 as pb
from mercado.billing.v1 import events_pb2 as billing_events


async def invoice_of(service: RunningService, order_id: str) -> pb.Invoice | None:
    try:
        reply = await service.stub.GetInvoiceByOrder(pb.GetInvoiceByOrderRequest(order_id=order_id))
    except grpc.aio.AioRpcError as error:
        if failure_of(error).reason == "INVOICE_NOT_FOUND":
            return None
        raise
    return reply.invoice


async def settled_invoice(service: RunningService, order_id: str) -> pb.Invoice:
    async def invoiced() -> bool:
        return await invoice_of(service, order_id) is not None

    await eventually(invoiced, message=f"order {order_id} was never invoiced")
    found = await invoice_of(service, order_id)
    assert found is not None
    return found


async def test_a_reserved_order_is_paid_and_announced_with_the_shipping_fee(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    await saga_service.top_up("alice", 10_000)
    event = stock_reserved(("MUG-001", 2, 1250))
    await publish(js, event)
    invoice = await settled_invoice(saga_service, event.order_id)
    assert invoice.status == pb.INVOICE_STATUS_PAID
    assert (invoice.subtotal.amount_minor, invoice.shipping_fee.amount_minor) == (2500, FEE_MINOR)
    assert invoice.total.amount_minor == 2500 + FEE_MINOR
    assert await saga_service.balance("alice") == 10_000 - 2500 - FEE_MINOR

    async def announced() -> bool:
        return len(await published(js, billing_events.PaymentCaptured, event.order_id)) == 1

    await eventually(announced, message="PaymentCaptured was not published")
    [captured] = await published(js, billing_events.PaymentCaptured, event.order_id)
    assert isinstance(captured, billing_events.PaymentCaptured)
    assert captured.shipping_fee.amount_minor == FEE_MINOR
    assert captured.total == invoice.total
    assert captured.shipping_address == event.shipping_address
    assert captured.total_weight_grams == event.total_weight_grams
    assert captured.invoice_id == invoice.invoice_id
    assert await saga_service.money_is_conserved("alice")


@pytest.mark.parametrize(
    ("funds", "reason"),
    [(1000, "INSUFFICIENT_FUNDS"), (None, "NO_ACCOUNT")],
)
async def test_an_order_the_customer_cannot_pay_fails_and_says_why(
    saga_service: RunningService, js: JetStreamContext, funds: int | None, reason: str
) -> None:
    if funds is not None:
        await saga_service.top_up("alice", funds)
    event = stock_reserved(("MUG-001", 1, 1250))
    await publish(js, event)
    invoice = await settled_invoice(saga_service, event.order_id)
    assert invoice.status == pb.INVOICE_STATUS_FAILED
    assert billing_events.PaymentFailureReason.Name(invoice.failure_reason).endswith(reason)

    async def announced() -> bool:
        return len(await published(js, billing_events.PaymentFailed, event.order_id)) == 1

    await eventually(announced, message="PaymentFailed was not published")
    [failed] = await published(js, billing_events.PaymentFailed, event.order_id)
    assert isinstance(failed, billing_events.PaymentFailed)
    assert billing_events.PaymentFailureReason.Name(failed.reason) == f"PAYMENT_FAILURE_REASON_{reason}"
    if funds is not None:
        assert await saga_service.balance("alice") == funds


async def test_an_order_to_an_unshippable_destination_fails_without_a_charge(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    await saga_service.top_up("alice", 10_000)
    event = stock_reserved(country="AQ")
    await publish(js, event)
    invoice = await settled_invoice(saga_service, event.order_id)
    assert invoice.failure_reason == billing_events.PAYMENT_FAILURE_REASON_UNSHIPPABLE
    assert "UNSHIPPABLE" in invoice.failure_detail
    assert await saga_service.balance("alice") == 10_000


async def test_a_redelivered_stock_reserved_makes_one_invoice_and_one_charge(
    saga_service: RunningService, js: JetStreamContext, shipping: FakeShipping
) -> None:
    await saga_service.top_up("alice", 10_000)
    event, event_id = stock_reserved(), str(uuid.uuid4())
    await publish(js, event, event_id=event_id)
    await settled_invoice(saga_service, event.order_id)
    again = await publish(js, event, event_id=event_id)
    republished = await publish(js, event)  # same order, new event id: still one invoice
    await handled(js, STOCK_RESERVED, max(again, republished))
    assert await saga_service.count(invoices) == 1
    assert [kind for kind, _ in await saga_service.ledger("alice")] == ["TOP_UP", "CHARGE"]
    assert await saga_service.balance("alice") == 10_000 - 2500 - FEE_MINOR
    assert len(shipping.servicer.quotes) == 1
    assert await saga_service.dead_lettered() == []


async def test_a_malformed_event_is_dead_lettered_while_the_next_is_invoiced(
    saga_service: RunningService, js: JetStreamContext
) -> None:
    garbage_id = str(uuid.uuid4())
    await publish(js, b"\xff\xff not protobuf", event_type=STOCK_RESERVED, event_id=garbage_id)
    event = stock_reserved()
    await publish(js, event)
    await settled_invoice(saga_service, event.order_id)

    async def recorded() -> bool:
        return await saga_service.dead_lettered() == [garbage_id]

    await eventually(recorded, message="the malformed event was not dead-lettered")
    assert await saga_service.count(ledger_entries) == 0
