"""REST resource /v1/orders: place an order (reserving its stock), read one, list a customer's."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from edge_gateway.auth import Principal, Role
from edge_gateway.composition import order_json
from edge_gateway.dependencies import Ctx, CustomerOrAdmin, Inventory, Settings
from edge_gateway.errors import ApiError, BackendError
from edge_gateway.placement import IDEMPOTENCY_KEY_PATTERN, check_limits, customer_of, order_id_for
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.money import PageToken
from edge_gateway.schemas.orders import CustomerId, Order, OrderPage, PlaceOrderBody
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.translate import reserve_stock_request

router = APIRouter(prefix="/v1/orders", tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Up to 255 printable ASCII characters; a retry with the same key replays the order.",
    ),
]


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
    inventory: Inventory,
    ctx: Ctx,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Reserve the order's stock and start the order; payment and shipping follow asynchronously."""
    check_limits(body, max_lines=settings.max_order_lines, max_quantity=settings.max_line_quantity)
    customer_id = customer_of(principal, body.customer_id)
    order_id = order_id_for(customer_id, idempotency_key)
    request = reserve_stock_request(order_id, customer_id, body)
    try:
        reservation = await inventory.reserve_stock(ctx, request)
    except BackendError as exc:
        # Inventory keeps one reservation per order id; a different payload under the id the key
        # maps to means the key was reused for another order.
        if exc.code == "ALREADY_EXISTS" and idempotency_key is not None:
            detail = "this Idempotency-Key was already used with a different request body"
            raise ApiError(422, exc.code, "IDEMPOTENCY_KEY_REUSED", detail) from None
        raise
    return JsonResponse(
        order_json(reservation), status_code=202, headers={"Location": f"/v1/orders/{order_id}"}
    )


@router.get("/{order_id}", response_model=Order, responses=problem_responses(401, 403, 404, 422, 503, 504))
async def get_order(order_id: UUID, principal: CustomerOrAdmin, inventory: Inventory, ctx: Ctx) -> Response:
    """The composed order; customers see only their own (anything else is 404)."""
    order = str(order_id)
    try:
        reservation = await inventory.get_reservation(ctx, order)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(order) from None
        raise
    if not _may_see(principal, reservation.customer_id):
        raise _not_found(order)
    return JsonResponse(order_json(reservation))


@router.get("", response_model=OrderPage, responses=problem_responses(401, 403, 422, 503, 504))
async def list_orders(
    *,
    principal: CustomerOrAdmin,
    inventory: Inventory,
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
    orders = [order_json(reservation) for reservation in page.reservations]
    return JsonResponse({"orders": orders, "next_page_token": page.next_page_token})


def _may_see(principal: Principal, owner: str) -> bool:
    return principal.role is Role.ADMIN or principal.subject == owner
