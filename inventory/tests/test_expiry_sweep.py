"""The expiry sweep in the running service: real SQLite, real NATS, a fake ShippingService over gRPC.

Reservations live one second here and the sweep runs ten times a second.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from chassis.messaging import connect_nats
from chassis.testing import NatsServer, eventually, free_port
from inventory.tests.harness import RunningService, create_request, reserve_request, running_service
from inventory.tests.messaging import handled, publish
from inventory.tests.shipping_fake import FakeShippingServicer, fake_shipping
from mercado.billing.v1 import events_pb2 as billing
from mercado.inventory.v1 import inventory_pb2 as pb
from mercado.shipping.v1 import events_pb2 as shipping
from mercado.shipping.v1 import shipping_pb2

EXPIRED = shipping.CANCELLATION_REASON_RESERVATION_EXPIRED


@pytest.fixture
def shipping_port() -> int:
    return free_port()


@pytest.fixture
async def service(
    sqlite_url: str, own_nats_server: NatsServer, shipping_port: int
) -> AsyncIterator[RunningService]:
    async with running_service(
        sqlite_url,
        own_nats_server.url,
        reservation_ttl_seconds=1,
        expiry_sweep_seconds=0.1,
        shipping_addr=f"127.0.0.1:{shipping_port}",
        cancel_timeout_seconds=1.0,
    ) as running:
        await running.stub.CreateItem(create_request("MUG-001", on_hand=10))
        yield running


@pytest.fixture
async def js(own_nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    client = await connect_nats(own_nats_server.url, name="inventory-tests")
    yield client.jetstream()
    await client.close()


async def reserve(service: RunningService, customer_id: str = "alice") -> str:
    reply = await service.stub.ReserveStock(reserve_request(("MUG-001", 2), customer_id=customer_id))
    return str(reply.reservation.order_id)


async def asked(servicer: FakeShippingServicer, order_id: str) -> None:
    await eventually(lambda: servicer.asked(order_id) > 0, timeout=15, message=f"{order_id} never cancelled")


async def test_an_expired_unpaid_order_is_cancelled_through_shipping_and_its_stock_released(
    service: RunningService, shipping_port: int, js: JetStreamContext
) -> None:
    async def announce(request: shipping_pb2.CancelOrderRequest) -> None:
        cancelled = shipping.OrderCancelled(
            order_id=request.order_id, reason=request.reason, customer_id=request.customer_id
        )
        await publish(js, cancelled)

    async with fake_shipping(shipping_port, FakeShippingServicer(announce=announce)) as servicer:
        order_id = await reserve(service, customer_id="carol")
        await asked(servicer, order_id)

        async def released() -> bool:
            reply = await service.stub.GetReservation(pb.GetReservationRequest(order_id=order_id))
            return bool(reply.reservation.status == pb.RESERVATION_STATUS_RELEASED)

        await eventually(released, message="the cancelled order's stock was never released")
    [request] = servicer.cancellations
    assert (request.order_id, request.customer_id, request.reason) == (order_id, "carol", EXPIRED)
    item = (await service.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item
    assert (item.on_hand, item.reserved) == (10, 0)


async def test_each_expired_order_is_asked_once_whether_shipping_accepts_or_refuses(
    service: RunningService, shipping_port: int
) -> None:
    servicer = FakeShippingServicer()
    async with fake_shipping(shipping_port, servicer):
        accepted, dispatched = await reserve(service), await reserve(service)
        servicer.dispatched.add(dispatched)
        await asked(servicer, accepted)
        await asked(servicer, dispatched)
        # Both stay RESERVED (no OrderCancelled comes), yet later sweeps leave them alone: a witness
        # order reserved now expires only after many more sweeps.
        witness = await reserve(service)
        await asked(servicer, witness)
    assert (servicer.asked(accepted), servicer.asked(dispatched)) == (1, 1)


async def test_a_paid_order_is_not_cancelled_when_its_reservation_expires(
    service: RunningService, shipping_port: int, js: JetStreamContext
) -> None:
    order_id = await reserve(service)
    seq = await publish(js, billing.PaymentCaptured(order_id=order_id, customer_id="alice"))
    await handled(js, billing.PaymentCaptured.DESCRIPTOR.full_name, seq)
    # Shipping comes up only now, so no sweep could have cancelled the order before it was paid.
    servicer = FakeShippingServicer()
    async with fake_shipping(shipping_port, servicer):
        witness = await reserve(service)
        await asked(servicer, witness)
    assert servicer.asked(order_id) == 0
    reply = await service.stub.GetReservation(pb.GetReservationRequest(order_id=order_id))
    assert reply.reservation.status == pb.RESERVATION_STATUS_RESERVED


async def test_an_order_that_expired_while_shipping_was_down_is_cancelled_once_it_is_back(
    service: RunningService, shipping_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="inventory.sweeper")
    order_id = await reserve(service)

    def deferred() -> bool:
        return any("wait for the next sweep" in record.getMessage() for record in caplog.records)

    await eventually(deferred, message="the sweep never reported shipping unavailable")
    servicer = FakeShippingServicer()
    async with fake_shipping(shipping_port, servicer):
        await asked(servicer, order_id)
    assert servicer.asked(order_id) == 1
