"""ShippingService over gRPC: proto request -> use case -> proto response, and the error -> status table."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio

from chassis.errors import ErrorMapping, ErrorTable
from chassis.logs import bind_log_context
from chassis.page_tokens import InvalidPageToken, decode_page_token, encode_page_token
from chassis.proto_time import timestamp
from mercado.shipping.v1 import shipping_pb2 as pb
from mercado.shipping.v1 import shipping_pb2_grpc
from shipping import use_cases
from shipping.domain import (
    InvalidRequest,
    NoShipmentForOrder,
    OrderAlreadyDispatched,
    ShipmentAlreadyDelivered,
    ShipmentCancelled,
    ShipmentNotDispatched,
    ShipmentNotFound,
    ShipmentStatus,
    Unshippable,
)
from shipping.messages import (
    REASON_FROM_PROTO,
    STATUS_FROM_PROTO,
    quote_to_proto,
    reason_to_proto,
    shipment_to_proto,
)
from shipping.use_cases import (
    CancelRequest,
    ChangeFeed,
    Limits,
    Queries,
    QuoteRequest,
    ShipmentFilter,
    UnitOfWork,
)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["ShippingService"].full_name
ERROR_DOMAIN = "mercado.shipping"

_code = grpc.StatusCode
ERROR_TABLE: ErrorTable = {
    InvalidRequest: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    InvalidPageToken: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    Unshippable: ErrorMapping(_code.FAILED_PRECONDITION, "UNSHIPPABLE"),
    ShipmentNotFound: ErrorMapping(_code.NOT_FOUND, "SHIPMENT_NOT_FOUND"),
    NoShipmentForOrder: ErrorMapping(_code.NOT_FOUND, "SHIPMENT_NOT_FOUND"),
    ShipmentCancelled: ErrorMapping(_code.FAILED_PRECONDITION, "SHIPMENT_CANCELLED"),
    ShipmentAlreadyDelivered: ErrorMapping(_code.FAILED_PRECONDITION, "SHIPMENT_DELIVERED"),
    ShipmentNotDispatched: ErrorMapping(_code.FAILED_PRECONDITION, "SHIPMENT_NOT_DISPATCHED"),
    OrderAlreadyDispatched: ErrorMapping(_code.FAILED_PRECONDITION, "ORDER_ALREADY_DISPATCHED"),
}

Context = grpc.aio.ServicerContext[Any, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ShippingServicer(shipping_pb2_grpc.ShippingServiceServicer):
    """Translates only: every rule lives in the use cases, every status code in ERROR_TABLE."""

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], UnitOfWork],
        queries: Queries,
        changes: ChangeFeed,
        limits: Limits,
        watch_poll_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow = unit_of_work
        self._queries = queries
        self._changes = changes
        self._limits = limits
        self._poll = watch_poll_seconds
        self._clock = clock

    async def QuoteShipment(
        self, request: pb.QuoteShipmentRequest, context: Context
    ) -> pb.QuoteShipmentResponse:
        asked = QuoteRequest(request.destination_country, request.total_weight_grams, request.currency_code)
        return quote_to_proto(use_cases.quote_shipment(asked))

    async def GetShipment(self, request: pb.GetShipmentRequest, context: Context) -> pb.GetShipmentResponse:
        shipment = await use_cases.get_shipment(self._queries, request.shipment_id)
        return pb.GetShipmentResponse(shipment=shipment_to_proto(shipment))

    async def GetShipmentByOrder(
        self, request: pb.GetShipmentByOrderRequest, context: Context
    ) -> pb.GetShipmentByOrderResponse:
        shipment = await use_cases.get_shipment_by_order(self._queries, request.order_id)
        return pb.GetShipmentByOrderResponse(shipment=shipment_to_proto(shipment))

    async def ListShipments(
        self, request: pb.ListShipmentsRequest, context: Context
    ) -> pb.ListShipmentsResponse:
        selection = ShipmentFilter(_status_filter(request.status), request.customer_id or None)
        scope = f"{request.status}/{request.customer_id}"
        after = decode_page_token(request.page_token, "shipments", scope, int)
        page = await use_cases.list_shipments(
            self._queries, selection, size=request.page_size, after=after, limits=self._limits
        )
        return pb.ListShipmentsResponse(
            shipments=[shipment_to_proto(s) for s in page.entries],
            next_page_token=encode_page_token("shipments", scope, page.next_key),
        )

    async def DispatchShipment(
        self, request: pb.DispatchShipmentRequest, context: Context
    ) -> pb.DispatchShipmentResponse:
        shipment = await use_cases.dispatch_shipment(self._uow(), request.shipment_id, now=self._clock())
        return pb.DispatchShipmentResponse(shipment=shipment_to_proto(shipment))

    async def DeliverShipment(
        self, request: pb.DeliverShipmentRequest, context: Context
    ) -> pb.DeliverShipmentResponse:
        shipment = await use_cases.deliver_shipment(self._uow(), request.shipment_id, now=self._clock())
        return pb.DeliverShipmentResponse(shipment=shipment_to_proto(shipment))

    async def CancelOrder(self, request: pb.CancelOrderRequest, context: Context) -> pb.CancelOrderResponse:
        asked = CancelRequest(request.order_id, request.customer_id, REASON_FROM_PROTO.get(request.reason))
        with bind_log_context(order_id=request.order_id):
            result = await use_cases.cancel_order(self._uow(), asked, now=self._clock())
        cancellation = result.cancellation
        reply = pb.CancelOrderResponse(
            order_id=cancellation.order_id,
            reason=reason_to_proto(cancellation.reason),
            cancel_time=timestamp(cancellation.cancel_time),
        )
        if result.shipment is not None:
            reply.shipment.CopyFrom(shipment_to_proto(result.shipment))
        return reply

    async def WatchShipment(
        self, request: pb.WatchShipmentRequest, context: Context
    ) -> AsyncIterator[pb.WatchShipmentResponse]:
        target = request.WhichOneof("target")
        updates = use_cases.watch_shipment(
            self._queries,
            self._changes,
            shipment_id=request.shipment_id if target == "shipment_id" else None,
            order_id=request.order_id if target == "order_id" else None,
            poll_seconds=self._poll,
        )
        async for shipment in updates:
            yield pb.WatchShipmentResponse(shipment=shipment_to_proto(shipment))


def _status_filter(value: pb.ShipmentStatus.ValueType) -> ShipmentStatus | None:
    if value == pb.SHIPMENT_STATUS_UNSPECIFIED:
        return None
    status = STATUS_FROM_PROTO.get(value)
    if status is None:
        raise InvalidRequest([("status", f"{value} is not a shipment status")])
    return status
