"""Integration tests of an unreachable or hanging shipping service: retried with backoff, never failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from billing.events import STOCK_RESERVED
from billing.tests.harness import RunningService, running_service
from billing.tests.messaging import publish, stock_reserved
from billing.tests.shipping_fake import FakeShippingServicer, fake_shipping
from billing.tests.test_saga_payments import invoice_of, settled_invoice
from chassis.naming import durable_for, stream_for
from chassis.testing import NatsServer, eventually, free_port
from mercado.billing.v1 import billing_pb2 as pb

SHORT_QUOTE_DEADLINE = 0.3


@pytest.fixture
def shipping_port() -> int:
    return free_port()


@pytest.fixture
async def patient_service(
    sqlite_url: str, own_nats_server: NatsServer, shipping_port: int
) -> AsyncIterator[RunningService]:
    """Billing pointed at a shipping address where nothing listens yet."""
    async with running_service(
        sqlite_url,
        own_nats_server.url,
        f"127.0.0.1:{shipping_port}",
        quote_timeout_seconds=SHORT_QUOTE_DEADLINE,
    ) as running:
        yield running


async def redelivered(js: JetStreamContext) -> bool:
    info = await js.consumer_info(stream_for(STOCK_RESERVED), durable_for("billing", STOCK_RESERVED))
    return bool(info.num_redelivered)


async def test_an_unreachable_shipping_service_delays_the_invoice_until_it_answers(
    patient_service: RunningService, js: JetStreamContext, shipping_port: int
) -> None:
    await patient_service.top_up("alice", 10_000)
    event = stock_reserved()
    await publish(js, event)
    await eventually(lambda: redelivered(js), message="the event was not retried")
    assert await invoice_of(patient_service, event.order_id) is None
    async with fake_shipping(shipping_port):
        invoice = await settled_invoice(patient_service, event.order_id)
    assert invoice.status == pb.INVOICE_STATUS_PAID
    assert await patient_service.dead_lettered() == []


async def test_a_quote_slower_than_the_deadline_is_retried_not_failed(
    patient_service: RunningService, js: JetStreamContext, shipping_port: int
) -> None:
    await patient_service.top_up("alice", 10_000)
    hanging = FakeShippingServicer()
    hanging.hold = asyncio.Event()
    async with fake_shipping(shipping_port, hanging) as shipping:
        event = stock_reserved()
        await publish(js, event)
        await eventually(lambda: len(shipping.servicer.quotes) >= 2, message="the quote was not retried")
        assert await invoice_of(patient_service, event.order_id) is None
        hanging.hold.set()
        invoice = await settled_invoice(patient_service, event.order_id)
    assert invoice.status == pb.INVOICE_STATUS_PAID
    assert await patient_service.balance("alice") == 10_000 - invoice.total.amount_minor
