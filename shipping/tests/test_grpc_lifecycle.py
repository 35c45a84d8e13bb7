"""Dispatch, delivery and cancellation through the real server: statuses, history, events and refusals."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext

from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.tests.harness import RpcFailure, RunningService, failure_of
from shipping.tests.messaging import outbox_drained, paid_and_shipped, published

CUSTOMER_REQUEST = events.CANCELLATION_REASON_CUSTOMER_REQUEST


async def refused(call: Awaitable[object]) -> RpcFailure:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return failure_of(error.value)


async def dispatch(service: RunningService, shipment_id: str) -> pb.Shipment:
    reply = await service.stub.DispatchShipment(pb.DispatchShipmentRequest(shipment_id=shipment_id))
    return reply.shipment


async def deliver(service: RunningService, shipment_id: str) -> pb.Shipment:
    reply = await service.stub.DeliverShipment(pb.DeliverShipmentRequest(shipment_id=shipment_id))
    return reply.shipment


async def cancel(service: RunningService, order_id: str, customer_id: str = "") -> pb.CancelOrderResponse:
    request = pb.CancelOrderRequest(order_id=order_id, customer_id=customer_id, reason=CUSTOMER_REQUEST)
    return await service.stub.CancelOrder(request)


async def current(service: RunningService, shipment_id: str) -> pb.Shipment:
    return (await service.stub.GetShipment(pb.GetShipmentRequest(shipment_id=shipment_id))).shipment


async def test_a_shipment_goes_from_pending_to_delivered_with_every_step_timestamped(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    dispatched = await dispatch(service, shipment.shipment_id)
    delivered = await deliver(service, shipment.shipment_id)
    assert delivered.status == pb.SHIPMENT_STATUS_DELIVERED
    steps = [(change.status, change.change_time.ToDatetime()) for change in delivered.history]
    assert [status for status, _ in steps] == [
        pb.SHIPMENT_STATUS_PENDING,
        pb.SHIPMENT_STATUS_DISPATCHED,
        pb.SHIPMENT_STATUS_DELIVERED,
    ]
    assert [at for _, at in steps] == sorted(at for _, at in steps)
    assert delivered.update_time == delivered.history[-1].change_time
    assert list(dispatched.history) == list(delivered.history[:2])
    assert await current(service, shipment.shipment_id) == delivered
    await outbox_drained(service)
    assert [e.shipment_id for e in await published(js, events.ShipmentDispatched)] == [shipment.shipment_id]
    assert [e.order_id for e in await published(js, events.ShipmentDelivered)] == [shipment.order_id]


async def test_retried_dispatch_and_delivery_return_the_shipment_unchanged_and_publish_once(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    first = await dispatch(service, shipment.shipment_id)
    assert await dispatch(service, shipment.shipment_id) == first
    delivered = await deliver(service, shipment.shipment_id)
    assert await deliver(service, shipment.shipment_id) == delivered
    await outbox_drained(service)
    assert len(await published(js, events.ShipmentDispatched)) == 1
    assert len(await published(js, events.ShipmentDelivered)) == 1


async def test_cancelling_a_pending_order_cancels_its_shipment_and_publishes_order_cancelled_once(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js, customer_id="carol")
    first = await cancel(service, shipment.order_id, customer_id="someone-else")
    retry = await service.stub.CancelOrder(
        pb.CancelOrderRequest(order_id=shipment.order_id, reason=events.CANCELLATION_REASON_ADMIN_REQUEST)
    )
    assert retry == first
    assert first.shipment.status == pb.SHIPMENT_STATUS_CANCELLED
    assert first.shipment.cancellation_reason == CUSTOMER_REQUEST
    assert first.shipment.history[-1].change_time == first.cancel_time
    await outbox_drained(service)
    cancelled = await published(js, events.OrderCancelled)
    assert [(e.order_id, e.customer_id, e.reason) for e in cancelled] == [
        (shipment.order_id, "carol", CUSTOMER_REQUEST)
    ]


async def test_an_order_without_a_shipment_is_cancelled_with_the_callers_customer(
    service: RunningService, js: JetStreamContext
) -> None:
    order_id = str(uuid.uuid4())
    reply = await cancel(service, order_id, customer_id="dave")
    assert not reply.HasField("shipment")
    await outbox_drained(service)
    assert [(e.order_id, e.customer_id) for e in await published(js, events.OrderCancelled)] == [
        (order_id, "dave")
    ]


async def test_a_dispatched_order_cannot_be_cancelled_and_nothing_changes(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    dispatched = await dispatch(service, shipment.shipment_id)
    failure = await refused(cancel(service, shipment.order_id))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ORDER_ALREADY_DISPATCHED")
    assert failure.metadata == {"order_id": shipment.order_id, "shipment_id": shipment.shipment_id}
    assert await current(service, shipment.shipment_id) == dispatched
    await outbox_drained(service)
    assert await published(js, events.OrderCancelled) == []


async def test_a_cancelled_shipment_can_be_neither_dispatched_nor_delivered(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    cancelled = (await cancel(service, shipment.order_id)).shipment
    for move in (dispatch, deliver):
        failure = await refused(move(service, shipment.shipment_id))
        assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SHIPMENT_CANCELLED")
    assert await current(service, shipment.shipment_id) == cancelled
    await outbox_drained(service)
    assert await published(js, events.ShipmentDispatched) == []


async def test_moves_out_of_order_are_refused_with_the_reason_the_contract_names(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    early = await refused(deliver(service, shipment.shipment_id))
    assert (early.code, early.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SHIPMENT_NOT_DISPATCHED")
    await dispatch(service, shipment.shipment_id)
    await deliver(service, shipment.shipment_id)
    late = await refused(dispatch(service, shipment.shipment_id))
    assert (late.code, late.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SHIPMENT_DELIVERED")
    cancelled_late = await refused(cancel(service, shipment.order_id))
    assert cancelled_late.reason == "ORDER_ALREADY_DISPATCHED"
