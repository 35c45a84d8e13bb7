"""A fake ShippingService for the expiry tests: a real grpc.aio server that records CancelOrder calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import grpc
import grpc.aio
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]
Announce = Callable[[shipping_pb2.CancelOrderRequest], Awaitable[None]]


async def _not_faked(self: object, request: object, context: Context) -> NoReturn:
    await context.abort(grpc.StatusCode.UNIMPLEMENTED, "the fake shipping service only cancels")


class FakeShippingServicer(shipping_pb2_grpc.ShippingServiceServicer):
    """Accepts every cancellation except of the orders in `dispatched`, which it refuses like shipping."""

    QuoteShipment = GetShipment = GetShipmentByOrder = ListShipments = _not_faked
    DispatchShipment = DeliverShipment = _not_faked

    def __init__(self, *, dispatched: set[str] | None = None, announce: Announce | None = None) -> None:
        self.cancellations: list[shipping_pb2.CancelOrderRequest] = []
        self.dispatched = dispatched or set()
        # Publishes OrderCancelled as the real shipping service does; without it nothing is published.
        self._announce = announce

    async def CancelOrder(  # noqa: N802
        self, request: shipping_pb2.CancelOrderRequest, context: Context
    ) -> shipping_pb2.CancelOrderResponse:
        self.cancellations.append(request)
        if request.order_id in self.dispatched:
            await _abort_dispatched(context, request.order_id)
        if self._announce is not None:
            await self._announce(request)
        return shipping_pb2.CancelOrderResponse(order_id=request.order_id, reason=request.reason)

    async def WatchShipment(  # noqa: N802
        self, request: shipping_pb2.WatchShipmentRequest, context: Context
    ) -> AsyncIterator[shipping_pb2.WatchShipmentResponse]:
        await _not_faked(self, request, context)
        # Never reached; the yield makes this an async generator, the shape of a streaming handler.
        yield shipping_pb2.WatchShipmentResponse()

    def asked(self, order_id: str) -> int:
        """How many times this order was asked to be cancelled."""
        return sum(1 for request in self.cancellations if request.order_id == order_id)


async def _abort_dispatched(context: Context, order_id: str) -> NoReturn:
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason="ORDER_ALREADY_DISPATCHED", domain="mercado.shipping"))
    message = f"order {order_id} was dispatched"
    status = rpc_status.to_status(
        status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=message, details=[info])
    )
    await context.abort(status.code, status.details, status.trailing_metadata)


@asynccontextmanager
async def fake_shipping(port: int, servicer: FakeShippingServicer) -> AsyncIterator[FakeShippingServicer]:
    """Serve `servicer` on 127.0.0.1:`port` until the block ends."""
    server = grpc.aio.server()
    shipping_pb2_grpc.add_ShippingServiceServicer_to_server(servicer, server)
    if server.add_insecure_port(f"127.0.0.1:{port}") != port:
        raise RuntimeError(f"port {port} is taken")
    await server.start()
    try:
        yield servicer
    finally:
        await server.stop(grace=None)
