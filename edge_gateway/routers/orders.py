"""REST resource /v1/orders: place, read (composed), list, cancel, and follow an order's status."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from edge_gateway.auth import Principal, Role
from edge_gateway.clients import InventoryClient
from edge_gateway.composition import ComposedOrder, OrderComposer, order_json
from edge_gateway.dependencies import (
    Composer,
    Ctx,
    CustomerOrAdmin,
    Inventory,
    Settings,
    Shipping,
    inventory_call,
)
from edge_gateway.errors import ApiError, BackendError
from edge_gateway.order_events import OrderEventStream, StreamLimits
from edge_gateway.placement import IDEMPOTENCY_KEY_PATTERN, check_limits, customer_of, order_id_for
from edge_gateway.request_context import RequestContext
from edge_gateway.responses import EventStreamResponse, JsonResponse
from edge_gateway.schemas.money import PageToken
from edge_gateway.schemas.orders import CustomerId, Order, OrderPage, PlaceOrderBody
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.settings import EdgeSettings
from edge_gateway.translate.inventory import reserve_stock_request
from edge_gateway.translate.shipping import cancel_order_request
from mercado.inventory.v1 import inventory_pb2

router = APIRouter(prefix="/v1/orders", tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Up to 255 printable ASCII characters; a retry with the same key replays the order.",
    ),
]


# Proxies must neither cache nor buffer a live stream (X-Accel-Buffering is nginx's switch).
_STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _not_found(order_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", "ORDER_NOT_FOUND", f"order {order_id} not found")


@router.post(
    "",
    status_code=202,
    response_model=Order,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503, 504),
)
async def place_order(
    *,
    body: PlaceOrderBody,
    principal: CustomerOrAdmin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Reserve the order's stock and start the order; payment and shipping follow asynchronously."""
    # The client, context and settings without dependency injection: each dependency costs FastAPI
    # a solve pass per request, and this is the hottest write route.
    inventory, ctx = inventory_call(request)
    settings: EdgeSettings = request.app.state.settings
    check_limits(body, max_lines=settings.max_order_lines, max_quantity=settings.max_line_quantity)
    customer_id = customer_of(principal, body.customer_id)
    order_id = order_id_for(customer_id, idempotency_key)
    reserve = reserve_stock_request(order_id, customer_id, body)
    try:
        reservation = await inventory.reserve_stock(ctx, reserve)
    except BackendError as exc:
        # Inventory keeps one reservation per order id; a different payload under the id the key
        # maps to means the key was reused for another order.
        if exc.code == "ALREADY_EXISTS" and idempotency_key is not None:
            detail = "this Idempotency-Key was already used with a different request body"
            raise ApiError(422, exc.code, "IDEMPOTENCY_KEY_REUSED", detail) from None
        raise
    # The order as just accepted: billing and shipping cannot know it yet (a replay may be further
    # along; GET shows where it is now).
    return JsonResponse(
        order_json(ComposedOrder(reservation)),
        status_code=202,
        headers={"Location": f"/v1/orders/{order_id}"},
    )


@router.get("/{order_id}", response_model=Order, responses=problem_responses(401, 403, 404, 422, 503, 504))
async def get_order(order_id: UUID, principal: CustomerOrAdmin, composer: Composer, ctx: Ctx) -> Response:
    """The composed order; customers see only their own (anything else is 404).

    A service that does not answer in time leaves its part out and is named in `degraded`.
    """
    return JsonResponse(order_json(await _visible_order(composer, ctx, principal, str(order_id))))


@router.post(
    "/{order_id}:cancel",
    status_code=202,
    response_model=Order,
    responses=problem_responses(401, 403, 404, 409, 422, 503, 504),
)
async def cancel_order(
    *,
    order_id: UUID,
    principal: CustomerOrAdmin,
    inventory: Inventory,
    shipping: Shipping,
    composer: Composer,
    ctx: Ctx,
) -> Response:
    """Cancel an order that was not dispatched (owner or admin); 409 ORDER_ALREADY_DISPATCHED after.

    Shipping accepts the cancellation; the refund and the release of the stock follow
    asynchronously, so the order shows CANCELLED once they (or a cancelled shipment) are visible.
    A repeated cancel is accepted again and changes nothing.
    """
    order = str(order_id)
    reservation = await _visible_reservation(inventory, ctx, principal, order)
    by_admin = principal.role is Role.ADMIN
    await shipping.cancel_order(ctx, cancel_order_request(order, reservation.customer_id, by_admin=by_admin))
    return JsonResponse(order_json(await composer.complete(ctx, reservation)), status_code=202)


@router.get(
    "/{order_id}/events",
    response_class=EventStreamResponse,
    responses={
        200: {
            "description": "`event: status` messages whose `data` is the composed order (as GET "
            "returns it): the current status first, then each change. A status on the way to "
            "delivery that the order passed through between two reads is still sent, in order, with "
            "the order as read afterwards. The stream ends after DELIVERED, CANCELLED or "
            "PAYMENT_FAILED, or after the configured maximum duration.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def order_events(
    order_id: UUID, principal: CustomerOrAdmin, composer: Composer, ctx: Ctx, settings: Settings
) -> Response:
    """Follow an order's status as server-sent events (owner or admin)."""
    order = str(order_id)
    first = await _visible_order(composer, ctx, principal, order)

    async def compose() -> ComposedOrder:
        # Every poll has a budget of its own: the request's would end the stream after a second or two.
        return await composer.compose(ctx.renewed(settings.request_timeout_seconds), order)

    limits = StreamLimits(
        poll_seconds=settings.events_poll_seconds,
        max_seconds=settings.events_max_seconds,
        heartbeat_seconds=settings.events_heartbeat_seconds,
    )
    stream = OrderEventStream(first, compose, limits)
    return EventStreamResponse(stream.events(), headers=_STREAM_HEADERS)


@router.get("", response_model=OrderPage, responses=problem_responses(401, 403, 422, 503, 504))
async def list_orders(
    *,
    principal: CustomerOrAdmin,
    inventory: Inventory,
    composer: Composer,
    ctx: Ctx,
    settings: Settings,
    customer_id: Annotated[CustomerId | None, Query(description="Admins: filter by customer.")] = None,
    page_size: Annotated[int | None, Query(ge=1, description="Orders per page (capped).")] = None,
    page_token: Annotated[PageToken, Query()] = "",
) -> Response:
    """Orders newest first: a customer's own, or for admins all or one customer's."""
    if principal.role is not Role.ADMIN:
        if customer_id not in (None, principal.subject):
            detail = "customers may only list their own orders"
            raise ApiError(403, "PERMISSION_DENIED", "CUSTOMER_MISMATCH", detail)
        customer_id = principal.subject
    size = min(page_size or settings.default_page_size, settings.max_page_size)
    page = await inventory.list_reservations(ctx, customer_id or "", size, page_token)
    orders = await composer.complete_all(ctx, page.reservations)
    return JsonResponse({"orders": [order_json(o) for o in orders], "next_page_token": page.next_page_token})


async def _visible_reservation(
    inventory: InventoryClient, ctx: RequestContext, principal: Principal, order_id: str
) -> inventory_pb2.Reservation:
    """The order's reservation if the caller may see it; 404 alike for unknown and someone else's."""
    try:
        reservation = await inventory.get_reservation(ctx, order_id)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(order_id) from None
        raise
    if not principal.may_access(reservation.customer_id):
        raise _not_found(order_id)
    return reservation


async def _visible_order(
    composer: OrderComposer, ctx: RequestContext, principal: Principal, order_id: str
) -> ComposedOrder:
    """The composed order if the caller may see it; 404 alike for unknown and someone else's."""
    try:
        order = await composer.compose(ctx, order_id)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(order_id) from None
        raise
    if not principal.may_access(order.reservation.customer_id):
        raise _not_found(order_id)
    return order
