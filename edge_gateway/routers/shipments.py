"""REST resource /v1/shipments: read a shipment, and the carriers' `:dispatch` and `:deliver` moves."""

from uuid import UUID

from fastapi import APIRouter
from starlette.responses import Response

from edge_gateway.auth import Role
from edge_gateway.dependencies import AnyRole, CarrierOrAdmin, Ctx, Shipping
from edge_gateway.errors import ApiError, BackendError
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.schemas.shipping import Shipment
from edge_gateway.translate.shipping import shipment_json

router = APIRouter(prefix="/v1/shipments", tags=["shipments"])


def _not_found(shipment_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", "SHIPMENT_NOT_FOUND", f"shipment {shipment_id} not found")


@router.get("/{shipment_id}", response_model=Shipment, responses=problem_responses(401, 404, 422, 503, 504))
async def get_shipment(shipment_id: UUID, principal: AnyRole, shipping: Shipping, ctx: Ctx) -> Response:
    """A shipment with its history: for its customer, carriers and admins; others get 404."""
    wanted = str(shipment_id)
    try:
        shipment = await shipping.get_shipment(ctx, wanted)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(wanted) from None
        raise
    if principal.role is not Role.CARRIER and not principal.may_access(shipment.customer_id):
        raise _not_found(wanted)
    return JsonResponse(shipment_json(shipment))


@router.post(
    "/{shipment_id}:dispatch",
    response_model=Shipment,
    responses=problem_responses(401, 403, 404, 409, 422, 503, 504),
)
async def dispatch_shipment(shipment_id: UUID, _: CarrierOrAdmin, shipping: Shipping, ctx: Ctx) -> Response:
    """Hand the parcel to the carrier (carriers, admins); from then on the order cannot be cancelled.

    A repeated dispatch returns the shipment unchanged; 409 SHIPMENT_CANCELLED or SHIPMENT_DELIVERED.
    """
    return JsonResponse(shipment_json(await shipping.dispatch_shipment(ctx, str(shipment_id))))


@router.post(
    "/{shipment_id}:deliver",
    response_model=Shipment,
    responses=problem_responses(401, 403, 404, 409, 422, 503, 504),
)
async def deliver_shipment(shipment_id: UUID, _: CarrierOrAdmin, shipping: Shipping, ctx: Ctx) -> Response:
    """Record the delivery (carriers, admins); a repeated delivery returns the shipment unchanged.

    409 SHIPMENT_NOT_DISPATCHED or SHIPMENT_CANCELLED from any other status.
    """
    return JsonResponse(shipment_json(await shipping.deliver_shipment(ctx, str(shipment_id))))
