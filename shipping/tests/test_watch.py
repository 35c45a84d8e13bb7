"""WatchShipment through the real server: current state, each change, the end; also across replicas."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext

from chassis.testing import NatsServer
from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from mercado.shipping.v1 import shipping_pb2_grpc
from shipping.tests.harness import RunningService, failure_of, running_service
from shipping.tests.messaging import paid_and_shipped

Stream = grpc.aio.UnaryStreamCall[pb.WatchShipmentRequest, pb.WatchShipmentResponse]


async def next_status(call: Stream) -> int | None:
    """The status of the next update, or None when the server ended the stream."""
    # A bound, not a pause: a missed update fails the test instead of hanging it.
    async with asyncio.timeout(10):
        update = await call.read()
    if update is grpc.aio.EOF:
        return None
    assert isinstance(update, pb.WatchShipmentResponse)
    return int(update.shipment.status)


async def test_a_watcher_sees_each_status_until_delivery_and_then_the_stream_ends(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    call = service.stub.WatchShipment(pb.WatchShipmentRequest(shipment_id=shipment.shipment_id))
    assert await next_status(call) == pb.SHIPMENT_STATUS_PENDING
    await service.stub.DispatchShipment(pb.DispatchShipmentRequest(shipment_id=shipment.shipment_id))
    assert await next_status(call) == pb.SHIPMENT_STATUS_DISPATCHED
    await service.stub.DeliverShipment(pb.DeliverShipmentRequest(shipment_id=shipment.shipment_id))
    assert await next_status(call) == pb.SHIPMENT_STATUS_DELIVERED
    assert await next_status(call) is None
    assert await call.code() == grpc.StatusCode.OK


async def test_a_watcher_following_an_order_sees_its_cancellation_and_the_end(
    service: RunningService, js: JetStreamContext
) -> None:
    shipment = await paid_and_shipped(service, js)
    call = service.stub.WatchShipment(pb.WatchShipmentRequest(order_id=shipment.order_id))
    assert await next_status(call) == pb.SHIPMENT_STATUS_PENDING
    reason = events.CANCELLATION_REASON_CUSTOMER_REQUEST
    await service.stub.CancelOrder(pb.CancelOrderRequest(order_id=shipment.order_id, reason=reason))
    assert await next_status(call) == pb.SHIPMENT_STATUS_CANCELLED
    assert await next_status(call) is None


@pytest.mark.parametrize(
    ("request_", "code", "reason"),
    [
        (
            pb.WatchShipmentRequest(shipment_id=str(uuid.uuid4())),
            grpc.StatusCode.NOT_FOUND,
            "SHIPMENT_NOT_FOUND",
        ),
        (
            pb.WatchShipmentRequest(order_id=str(uuid.uuid4())),
            grpc.StatusCode.NOT_FOUND,
            "SHIPMENT_NOT_FOUND",
        ),
        (pb.WatchShipmentRequest(), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    ],
    ids=["unknown-shipment", "order-without-shipment", "no-target"],
)
async def test_a_watch_of_nothing_fails_with_a_status(
    service: RunningService, request_: pb.WatchShipmentRequest, code: grpc.StatusCode, reason: str
) -> None:
    call = service.stub.WatchShipment(request_)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call.read()
    assert (failure_of(error.value).code, failure_of(error.value).reason) == (code, reason)


async def test_a_watcher_on_one_replica_sees_a_change_made_through_another(
    service: RunningService, js: JetStreamContext, own_nats_server: NatsServer
) -> None:
    shipment = await paid_and_shipped(service, js)
    async with running_service(
        service.settings.database_url, own_nats_server.url, watch_poll_seconds=0.1
    ) as watched_replica:
        stub = shipping_pb2_grpc.ShippingServiceStub(watched_replica.channel)
        call = stub.WatchShipment(pb.WatchShipmentRequest(shipment_id=shipment.shipment_id))
        assert await next_status(call) == pb.SHIPMENT_STATUS_PENDING
        await service.stub.DispatchShipment(pb.DispatchShipmentRequest(shipment_id=shipment.shipment_id))
        assert await next_status(call) == pb.SHIPMENT_STATUS_DISPATCHED
        call.cancel()
