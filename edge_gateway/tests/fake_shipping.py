"""An in-memory ShippingService that moves shipments and arbitrates cancellation like the real one."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import NoReturn

from google.rpc import code_pb2

from edge_gateway.tests import rich_status
from edge_gateway.tests.rich_status import Context, now, record_call
from mercado.common.v1 import address_pb2
from mercado.shipping.v1 import events_pb2, shipping_pb2, shipping_pb2_grpc

PENDING = shipping_pb2.SHIPMENT_STATUS_PENDING
DISPATCHED = shipping_pb2.SHIPMENT_STATUS_DISPATCHED
DELIVERED = shipping_pb2.SHIPMENT_STATUS_DELIVERED
CANCELLED = shipping_pb2.SHIPMENT_STATUS_CANCELLED
# The reason a move out of each status is refused with (what the real service's table says).
_NO_DISPATCH = {DELIVERED: "SHIPMENT_DELIVERED", CANCELLED: "SHIPMENT_CANCELLED"}
_NO_DELIVERY = {PENDING: "SHIPMENT_NOT_DISPATCHED", CANCELLED: "SHIPMENT_CANCELLED"}


async def abort(
    context: Context, code: int, reason: str, message: str, violations: Sequence[tuple[str, str]] = ()
) -> NoReturn:
    await rich_status.abort(context, code, reason, message, violations, domain="mercado.shipping")


class FakeShipping(shipping_pb2_grpc.ShippingServiceServicer):
    """Shipments and recorded cancellations in dicts; `hanging` makes GetShipmentByOrder never answer."""

    def __init__(self) -> None:
        self.shipments: dict[str, shipping_pb2.Shipment] = {}
        self.cancellations: dict[str, shipping_pb2.CancelOrderResponse] = {}
        self.hanging = False
        self.abandoned = 0  # hanging calls their caller gave up on (cancelled or past the deadline)
        self.calls: list[tuple[str, dict[str, str], float | None]] = []

    async def _hang(self) -> None:
        try:
            await asyncio.Event().wait()  # never set: only the caller can end this call
        except asyncio.CancelledError:
            self.abandoned += 1
            raise

    def methods_called(self) -> list[str]:
        return [method for method, _, _ in self.calls]

    def add_shipment(self, order_id: str, customer_id: str) -> shipping_pb2.Shipment:
        """A PENDING shipment, as PaymentCaptured creates it."""
        shipment = shipping_pb2.Shipment(
            shipment_id=str(uuid.uuid4()),
            order_id=order_id,
            customer_id=customer_id,
            shipping_address=address_pb2.PostalAddress(
                name="Alice Example", line1="Hauptstrasse 1", city="Berlin", postal_code="10115", country="DE"
            ),
            total_weight_grams=800,
            carrier="DHL",
            tracking_number=f"DHL{len(self.shipments):08d}",
            create_time=now(),
        )
        self.shipments[shipment.shipment_id] = shipment
        self.move(shipment, PENDING)
        return shipment

    def move(self, shipment: shipping_pb2.Shipment, status: shipping_pb2.ShipmentStatus.ValueType) -> None:
        shipment.status = status
        shipment.history.add(status=status, change_time=now())
        shipment.update_time.CopyFrom(now())

    def shipment_of(self, order_id: str) -> shipping_pb2.Shipment | None:
        return next((s for s in self.shipments.values() if s.order_id == order_id), None)

    async def _known(self, shipment_id: str, context: Context) -> shipping_pb2.Shipment:
        if shipment_id not in self.shipments:
            await abort(context, code_pb2.NOT_FOUND, "SHIPMENT_NOT_FOUND", f"shipment {shipment_id}")
        return self.shipments[shipment_id]

    async def GetShipment(  # noqa: N802
        self, request: shipping_pb2.GetShipmentRequest, context: Context
    ) -> shipping_pb2.GetShipmentResponse:
        record_call(self.calls, "GetShipment", context)
        return shipping_pb2.GetShipmentResponse(shipment=await self._known(request.shipment_id, context))

    async def GetShipmentByOrder(  # noqa: N802
        self, request: shipping_pb2.GetShipmentByOrderRequest, context: Context
    ) -> shipping_pb2.GetShipmentByOrderResponse:
        record_call(self.calls, "GetShipmentByOrder", context)
        if self.hanging:
            await self._hang()
        shipment = self.shipment_of(request.order_id)
        if shipment is None:
            await abort(context, code_pb2.NOT_FOUND, "SHIPMENT_NOT_FOUND", f"order {request.order_id}")
        return shipping_pb2.GetShipmentByOrderResponse(shipment=shipment)

    async def DispatchShipment(  # noqa: N802
        self, request: shipping_pb2.DispatchShipmentRequest, context: Context
    ) -> shipping_pb2.DispatchShipmentResponse:
        record_call(self.calls, "DispatchShipment", context)
        shipment = await self._known(request.shipment_id, context)
        if shipment.status in _NO_DISPATCH:
            reason = _NO_DISPATCH[shipment.status]
            await abort(
                context, code_pb2.FAILED_PRECONDITION, reason, f"shipment cannot be dispatched: {reason}"
            )
        if shipment.status == PENDING:
            self.move(shipment, DISPATCHED)
        return shipping_pb2.DispatchShipmentResponse(shipment=shipment)

    async def DeliverShipment(  # noqa: N802
        self, request: shipping_pb2.DeliverShipmentRequest, context: Context
    ) -> shipping_pb2.DeliverShipmentResponse:
        record_call(self.calls, "DeliverShipment", context)
        shipment = await self._known(request.shipment_id, context)
        if shipment.status in _NO_DELIVERY:
            reason = _NO_DELIVERY[shipment.status]
            await abort(
                context, code_pb2.FAILED_PRECONDITION, reason, f"shipment cannot be delivered: {reason}"
            )
        if shipment.status == DISPATCHED:
            self.move(shipment, DELIVERED)
        return shipping_pb2.DeliverShipmentResponse(shipment=shipment)

    async def CancelOrder(  # noqa: N802
        self, request: shipping_pb2.CancelOrderRequest, context: Context
    ) -> shipping_pb2.CancelOrderResponse:
        record_call(self.calls, "CancelOrder", context)
        if request.reason == events_pb2.CANCELLATION_REASON_UNSPECIFIED:
            violations = [("reason", "is required")]
            await abort(context, code_pb2.INVALID_ARGUMENT, "INVALID_ARGUMENT", "no reason", violations)
        if request.order_id in self.cancellations:
            return self.cancellations[request.order_id]
        shipment = self.shipment_of(request.order_id)
        reply = shipping_pb2.CancelOrderResponse(
            order_id=request.order_id, reason=request.reason, cancel_time=now()
        )
        if shipment is not None:
            if shipment.status != PENDING:
                message = f"order {request.order_id} was dispatched"
                await abort(context, code_pb2.FAILED_PRECONDITION, "ORDER_ALREADY_DISPATCHED", message)
            self.move(shipment, CANCELLED)
            shipment.cancellation_reason = request.reason
            reply.shipment.CopyFrom(shipment)
        self.cancellations[request.order_id] = reply
        return reply

    async def QuoteShipment(  # noqa: N802
        self, request: shipping_pb2.QuoteShipmentRequest, context: Context
    ) -> shipping_pb2.QuoteShipmentResponse:
        await abort(context, code_pb2.UNIMPLEMENTED, "UNIMPLEMENTED", "only billing asks for quotes")

    async def ListShipments(  # noqa: N802
        self, request: shipping_pb2.ListShipmentsRequest, context: Context
    ) -> shipping_pb2.ListShipmentsResponse:
        await abort(context, code_pb2.UNIMPLEMENTED, "UNIMPLEMENTED", "the edge does not list shipments")

    async def WatchShipment(  # noqa: N802
        self, request: shipping_pb2.WatchShipmentRequest, context: Context
    ) -> AsyncIterator[shipping_pb2.WatchShipmentResponse]:
        await abort(context, code_pb2.UNIMPLEMENTED, "UNIMPLEMENTED", "the edge polls instead of watching")
        yield shipping_pb2.WatchShipmentResponse()  # unreachable; makes this a stream handler
