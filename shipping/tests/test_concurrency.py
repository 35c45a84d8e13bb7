"""Races through the real server, on SQLite and PostgreSQL: cancellation against dispatch and payment."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext

from chassis.testing import NatsServer
from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.tests.harness import RunningService, failure_of, running_service
from shipping.tests.messaging import (
    handled,
    outbox_drained,
    paid_and_shipped,
    payment_captured,
    publish,
    published,
    shipment_of,
)

REASON = events.CANCELLATION_REASON_CUSTOMER_REQUEST
ROUNDS = 6


@pytest.fixture
async def service_on(database_url: str, own_nats_server: NatsServer) -> AsyncIterator[RunningService]:
    async with running_service(database_url, own_nats_server.url) as running:
        yield running


async def outcome(call: Awaitable[object]) -> str:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return failure_of(error).reason
    return "OK"


async def test_a_cancellation_racing_a_dispatch_has_exactly_one_winner(
    service_on: RunningService, js: JetStreamContext
) -> None:
    shipments = [await paid_and_shipped(service_on, js) for _ in range(ROUNDS)]
    winners: Counter[str] = Counter()
    for shipment in shipments:
        cancel = service_on.stub.CancelOrder(pb.CancelOrderRequest(order_id=shipment.order_id, reason=REASON))
        dispatch = service_on.stub.DispatchShipment(
            pb.DispatchShipmentRequest(shipment_id=shipment.shipment_id)
        )
        cancelled, dispatched = await asyncio.gather(outcome(cancel), outcome(dispatch))
        assert {(cancelled, dispatched)} <= {("OK", "SHIPMENT_CANCELLED"), ("ORDER_ALREADY_DISPATCHED", "OK")}
        final = await shipment_of(service_on, shipment.order_id)
        assert final is not None
        expected = pb.SHIPMENT_STATUS_CANCELLED if cancelled == "OK" else pb.SHIPMENT_STATUS_DISPATCHED
        assert final.status == expected
        winners["cancel" if cancelled == "OK" else "dispatch"] += 1
    await outbox_drained(service_on)
    cancelled_orders = {e.order_id for e in await published(js, events.OrderCancelled)}
    dispatched_orders = {e.order_id for e in await published(js, events.ShipmentDispatched)}
    assert cancelled_orders.isdisjoint(dispatched_orders)
    assert cancelled_orders | dispatched_orders == {s.order_id for s in shipments}
    assert sum(winners.values()) == ROUNDS


async def test_a_cancellation_racing_the_payment_never_leaves_an_active_shipment(
    service_on: RunningService, js: JetStreamContext
) -> None:
    orders = [payment_captured() for _ in range(ROUNDS)]
    last = 0
    for captured in orders:
        cancel = service_on.stub.CancelOrder(pb.CancelOrderRequest(order_id=captured.order_id, reason=REASON))
        _, last = await asyncio.gather(cancel, publish(js, captured))
    await handled(js, last)
    for captured in orders:
        shipment = await shipment_of(service_on, captured.order_id)
        assert shipment is None or shipment.status == pb.SHIPMENT_STATUS_CANCELLED
    await outbox_drained(service_on)
    cancelled = Counter(e.order_id for e in await published(js, events.OrderCancelled))
    assert cancelled == Counter(captured.order_id for captured in orders)


async def test_concurrent_retries_of_one_cancellation_agree_and_publish_once(
    service_on: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service_on, js)
    request = pb.CancelOrderRequest(order_id=shipment.order_id, reason=REASON)
    replies = await asyncio.gather(*(service_on.stub.CancelOrder(request) for _ in range(8)))
    assert len({reply.SerializeToString() for reply in replies}) == 1
    assert replies[0].shipment.status == pb.SHIPMENT_STATUS_CANCELLED
    await outbox_drained(service_on)
    assert [e.order_id for e in await published(js, events.OrderCancelled)] == [shipment.order_id]
