"""A fake ShippingService for integration tests: a real grpc.aio server answering QuoteShipment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
import grpc.aio
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from mercado.common.v1 import money_pb2
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

FEE_MINOR = 499
UNSHIPPABLE_COUNTRY = "AQ"


Context = grpc.aio.ServicerContext[Any, Any]


async def _not_faked(self: object, request: object, context: Context) -> NoReturn:
    await context.abort(grpc.StatusCode.UNIMPLEMENTED, "the fake shipping service only quotes")


async def _refuse_as_unshippable(context: Context) -> NoReturn:
    """Fail like the real shipping service: FAILED_PRECONDITION with ErrorInfo reason UNSHIPPABLE."""
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason="UNSHIPPABLE", domain="mercado.shipping"))
    code = grpc.StatusCode.FAILED_PRECONDITION
    status = rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message="no rate for AQ", details=[info])
    )
    await context.abort(status.code, status.details, status.trailing_metadata)


class FakeShippingServicer(shipping_pb2_grpc.ShippingServiceServicer):
    """Quotes a flat fee everywhere but Antarctica; can be told to hang until released."""

    GetShipment = GetShipmentByOrder = ListShipments = _not_faked
    DispatchShipment = DeliverShipment = CancelOrder = _not_faked

    def __init__(self) -> None:
        self.quotes: list[shipping_pb2.QuoteShipmentRequest] = []
        self.hold: asyncio.Event | None = None

    async def QuoteShipment(  # noqa: N802
        self, request: shipping_pb2.QuoteShipmentRequest, context: Context
    ) -> shipping_pb2.QuoteShipmentResponse:
        self.quotes.append(request)
        if self.hold is not None:
            await self.hold.wait()
        if request.destination_country == UNSHIPPABLE_COUNTRY:
            await _refuse_as_unshippable(context)
        fee = money_pb2.Money(currency_code=request.currency_code, amount_minor=FEE_MINOR)
        return shipping_pb2.QuoteShipmentResponse(fee=fee, eta_days=2, carrier="TestPost")

    async def WatchShipment(  # noqa: N802
        self, request: shipping_pb2.WatchShipmentRequest, context: Context
    ) -> AsyncIterator[shipping_pb2.WatchShipmentResponse]:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "the fake shipping service only quotes")
        # Never reached; the yield makes this an async generator, the shape of a streaming handler.
        yield shipping_pb2.WatchShipmentResponse()


@dataclass
class FakeShipping:
    servicer: FakeShippingServicer
    port: int


@asynccontextmanager
async def fake_shipping(
    port: int = 0, servicer: FakeShippingServicer | None = None
) -> AsyncIterator[FakeShipping]:
    """Serve the fake on 127.0.0.1:`port` (0 picks a free port) until the block ends."""
    server = grpc.aio.server()
    chosen = servicer or FakeShippingServicer()
    shipping_pb2_grpc.add_ShippingServiceServicer_to_server(chosen, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    try:
        yield FakeShipping(chosen, bound)
    finally:
        if chosen.hold is not None:
            chosen.hold.set()
        await server.stop(grace=None)
