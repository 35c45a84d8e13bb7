"""REST resource /v1/accounts: a customer's prepaid balance, and the admins' `:topUp`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from edge_gateway.dependencies import Admin, Billing, Ctx, CustomerOrAdmin
from edge_gateway.errors import ApiError, BackendError
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.billing import Account, TopUpBody, TopUpResult
from edge_gateway.schemas.problems import problem_responses
from edge_gateway.translate.billing import account_json, top_up_json, top_up_request

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

CustomerPath = Annotated[str, Path(min_length=1, max_length=128, description="The account's customer.")]
# Billing keeps top-up keys of up to 128 characters, scoped to the customer.
TopUpKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,128}$",
        description="Up to 128 printable ASCII characters; a retry with the same key and amount books "
        "nothing twice. Without one the edge generates a key, so such a request is not safe to retry.",
    ),
]


def _not_found(customer_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", "ACCOUNT_NOT_FOUND", f"no account for customer {customer_id}")


@router.get(
    "/{customer_id}", response_model=Account, responses=problem_responses(401, 403, 404, 422, 503, 504)
)
async def get_account(
    customer_id: CustomerPath, principal: CustomerOrAdmin, billing: Billing, ctx: Ctx
) -> Response:
    """A customer's balance (owner or admin); another customer's account is 404 like a missing one."""
    if not principal.may_access(customer_id):
        raise _not_found(customer_id)
    try:
        account = await billing.get_account(ctx, customer_id)
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            raise _not_found(customer_id) from None
        raise
    return JsonResponse(account_json(account))


@router.post(
    "/{customer_id}:topUp",
    response_model=TopUpResult,
    responses=problem_responses(401, 403, 409, 413, 422, 503, 504),
)
async def top_up_account(
    *,
    customer_id: CustomerPath,
    body: TopUpBody,
    _: Admin,
    billing: Billing,
    ctx: Ctx,
    idempotency_key: TopUpKey = None,
) -> Response:
    """Credit a customer's account (admins), opening it on the first top-up.

    409 CURRENCY_MISMATCH if the account is kept in another currency; 422 IDEMPOTENCY_KEY_REUSED
    if the key was used for a different amount.
    """
    key = idempotency_key if idempotency_key is not None else str(uuid.uuid4())
    try:
        result = await billing.top_up_account(ctx, top_up_request(customer_id, body, key))
    except BackendError as exc:
        if exc.code == "ALREADY_EXISTS" and exc.reason == "IDEMPOTENCY_KEY_REUSED":
            detail = "this Idempotency-Key was already used with a different amount"
            raise ApiError(422, exc.code, "IDEMPOTENCY_KEY_REUSED", detail) from None
        raise
    return JsonResponse(top_up_json(result))
