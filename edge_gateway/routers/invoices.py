"""REST resource /v1/invoices: one order's invoice, for its customer or an admin."""

from uuid import UUID

from fastapi import APIRouter
from starlette.responses import Response

from edge_gateway.dependencies import Billing, Ctx, CustomerOrAdmin
from edge_gateway.errors import ApiError, BackendError
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.billing import Invoice
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.translate.billing import invoice_json

router = APIRouter(prefix="/v1/invoices", tags=["invoices"])


def _not_found(invoice_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", "INVOICE_NOT_FOUND", f"invoice {invoice_id} not found")


@router.get(
    "/{invoice_id}", response_model=Invoice, responses=problem_responses(401, 403, 404, 422, 503, 504)
)
async def get_invoice(invoice_id: UUID, principal: CustomerOrAdmin, billing: Billing, ctx: Ctx) -> Response:
    """The invoice with its lines and payment outcome; another customer's is 404 like a missing one."""
    wanted = str(invoice_id)
    try:
        invoice = await billing.get_invoice(ctx, wanted)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(wanted) from None
        raise
    if not principal.may_access(invoice.customer_id):
        raise _not_found(wanted)
    return JsonResponse(invoice_json(invoice))
