"""Every outbound gRPC call of the edge: one client class per backend, each call bounded by the budget.

Calls carry the request's remaining time as their gRPC timeout and its ids as metadata; a failed
call surfaces as BackendError with the reason and field violations of the backend's rich status.
A call may keep `reserve` seconds of the budget back, so its caller can still answer in time
without it (the optional parts of a composed order).
"""

from typing import TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from edge_gateway.errors import BackendError, Violation
from edge_gateway.request_context import RequestContext
from mercado.billing.v1 import billing_pb2, billing_pb2_grpc
from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")


async def _unary(
    backend: str,
    method: grpc.aio.UnaryUnaryMultiCallable[_Request, _Response],
    request: _Request,
    ctx: RequestContext,
    reserve: float = 0.0,
) -> _Response:
    timeout = ctx.remaining() - reserve
    if timeout <= 0:
        raise BackendError(backend, "DEADLINE_EXCEEDED", "request budget spent before the call")
    try:
        return await method(request, timeout=timeout, metadata=ctx.metadata)
    except grpc.aio.AioRpcError as exc:
        raise backend_error(backend, exc) from None


def backend_error(backend: str, exc: grpc.aio.AioRpcError) -> BackendError:
    """Read code, message, ErrorInfo.reason and BadRequest violations from a failed call."""
    reason: str | None = None
    violations: list[Violation] = []
    try:
        status = rpc_status.from_call(exc)
    except ValueError:
        # The rich status disagrees with the call's own status: trust the call, drop the details.
        status = None
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason or None
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(Violation(v.field, v.description) for v in bad_request.field_violations)
    return BackendError(backend, exc.code().name, exc.details() or "", reason=reason, violations=violations)


class InventoryClient:
    """Calls to mercado.inventory.v1.InventoryService."""

    backend = "inventory"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = inventory_pb2_grpc.InventoryServiceStub(channel)

    async def get_item(self, ctx: RequestContext, sku: str) -> inventory_pb2.Item:
        request = inventory_pb2.GetItemRequest(sku=sku)
        return (await _unary(self.backend, self._stub.GetItem, request, ctx)).item

    async def list_items(
        self, ctx: RequestContext, page_size: int, page_token: str
    ) -> inventory_pb2.ListItemsResponse:
        request = inventory_pb2.ListItemsRequest(page_size=page_size, page_token=page_token)
        return await _unary(self.backend, self._stub.ListItems, request, ctx)

    async def create_item(
        self, ctx: RequestContext, request: inventory_pb2.CreateItemRequest
    ) -> inventory_pb2.Item:
        return (await _unary(self.backend, self._stub.CreateItem, request, ctx)).item

    async def adjust_stock(
        self, ctx: RequestContext, request: inventory_pb2.AdjustStockRequest
    ) -> inventory_pb2.Item:
        return (await _unary(self.backend, self._stub.AdjustStock, request, ctx)).item

    async def reserve_stock(
        self, ctx: RequestContext, request: inventory_pb2.ReserveStockRequest
    ) -> inventory_pb2.Reservation:
        return (await _unary(self.backend, self._stub.ReserveStock, request, ctx)).reservation

    async def get_reservation(self, ctx: RequestContext, order_id: str) -> inventory_pb2.Reservation:
        request = inventory_pb2.GetReservationRequest(order_id=order_id)
        return (await _unary(self.backend, self._stub.GetReservation, request, ctx)).reservation

    async def list_reservations(
        self, ctx: RequestContext, customer_id: str, page_size: int, page_token: str
    ) -> inventory_pb2.ListReservationsResponse:
        request = inventory_pb2.ListReservationsRequest(
            customer_id=customer_id, page_size=page_size, page_token=page_token
        )
        return await _unary(self.backend, self._stub.ListReservations, request, ctx)


class BillingClient:
    """Calls to mercado.billing.v1.BillingService."""

    backend = "billing"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = billing_pb2_grpc.BillingServiceStub(channel)

    async def get_account(self, ctx: RequestContext, customer_id: str) -> billing_pb2.Account:
        request = billing_pb2.GetAccountRequest(customer_id=customer_id)
        return (await _unary(self.backend, self._stub.GetAccount, request, ctx)).account

    async def top_up_account(
        self, ctx: RequestContext, request: billing_pb2.TopUpAccountRequest
    ) -> billing_pb2.TopUpAccountResponse:
        return await _unary(self.backend, self._stub.TopUpAccount, request, ctx)

    async def get_invoice(self, ctx: RequestContext, invoice_id: str) -> billing_pb2.Invoice:
        request = billing_pb2.GetInvoiceRequest(invoice_id=invoice_id)
        return (await _unary(self.backend, self._stub.GetInvoice, request, ctx)).invoice

    async def get_invoice_by_order(
        self, ctx: RequestContext, order_id: str, *, reserve: float = 0.0
    ) -> billing_pb2.Invoice:
        request = billing_pb2.GetInvoiceByOrderRequest(order_id=order_id)
        return (await _unary(self.backend, self._stub.GetInvoiceByOrder, request, ctx, reserve)).invoice


class ShippingClient:
    """Calls to mercado.shipping.v1.ShippingService."""

    backend = "shipping"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = shipping_pb2_grpc.ShippingServiceStub(channel)

    async def get_shipment(self, ctx: RequestContext, shipment_id: str) -> shipping_pb2.Shipment:
        request = shipping_pb2.GetShipmentRequest(shipment_id=shipment_id)
        return (await _unary(self.backend, self._stub.GetShipment, request, ctx)).shipment

    async def get_shipment_by_order(
        self, ctx: RequestContext, order_id: str, *, reserve: float = 0.0
    ) -> shipping_pb2.Shipment:
        request = shipping_pb2.GetShipmentByOrderRequest(order_id=order_id)
        return (await _unary(self.backend, self._stub.GetShipmentByOrder, request, ctx, reserve)).shipment

    async def dispatch_shipment(self, ctx: RequestContext, shipment_id: str) -> shipping_pb2.Shipment:
        request = shipping_pb2.DispatchShipmentRequest(shipment_id=shipment_id)
        return (await _unary(self.backend, self._stub.DispatchShipment, request, ctx)).shipment

    async def deliver_shipment(self, ctx: RequestContext, shipment_id: str) -> shipping_pb2.Shipment:
        request = shipping_pb2.DeliverShipmentRequest(shipment_id=shipment_id)
        return (await _unary(self.backend, self._stub.DeliverShipment, request, ctx)).shipment

    async def cancel_order(
        self, ctx: RequestContext, request: shipping_pb2.CancelOrderRequest
    ) -> shipping_pb2.CancelOrderResponse:
        return await _unary(self.backend, self._stub.CancelOrder, request, ctx)


class HealthProbe:
    """The standard grpc.health.v1 check of one backend's service."""

    def __init__(self, backend: str, service: str, channel: grpc.aio.Channel) -> None:
        self.backend = backend
        self._service = service
        self._stub = health_pb2_grpc.HealthStub(channel)

    async def status(self, ctx: RequestContext) -> str:
        """SERVING, NOT_SERVING, SERVICE_UNKNOWN, or UNREACHABLE when the check itself failed."""
        request = health_pb2.HealthCheckRequest(service=self._service)
        try:
            response = await _unary(self.backend, self._stub.Check, request, ctx)
        except BackendError as exc:
            return "SERVICE_UNKNOWN" if exc.code == "NOT_FOUND" else "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
