"""FastAPI dependencies as `Annotated` aliases: request context, backend clients, settings and callers."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from edge_gateway.auth import Principal, Role, TokenVerifier, unauthenticated
from edge_gateway.backends import Backends
from edge_gateway.clients import BillingClient, InventoryClient, ShippingClient
from edge_gateway.composition import OrderComposer
from edge_gateway.errors import ApiError
from edge_gateway.request_context import RequestContext, context_of
from edge_gateway.settings import EdgeSettings

_BEARER_DESCRIPTION = "A JWT with `sub`, `role` and `exp` claims."


# Every dependency is `async def`: FastAPI runs plain `def` dependencies in a thread pool.
async def _request_context(request: Request) -> RequestContext:
    return context_of(request.scope)


async def _settings(request: Request) -> EdgeSettings:
    settings: EdgeSettings = request.app.state.settings
    return settings


def _backends(request: Request) -> Backends:
    backends = getattr(request.app.state, "backends", None)
    if not isinstance(backends, Backends):
        raise LookupError("backends are opened by the app's lifespan, which has not run")
    return backends


async def _inventory(request: Request) -> InventoryClient:
    return _backends(request).inventory


def inventory_call(request: Request) -> tuple[InventoryClient, RequestContext]:
    """Client and context without dependency injection, for the hottest route.

    Each sub-dependency costs FastAPI a solve_dependencies pass per request; on GET /v1/items/{sku}
    the two it would need took about a fifth of the edge's CPU time under load.
    """
    return _backends(request).inventory, context_of(request.scope)


async def _billing(request: Request) -> BillingClient:
    return _backends(request).billing


async def _shipping(request: Request) -> ShippingClient:
    return _backends(request).shipping


async def _composer(request: Request) -> OrderComposer:
    backends = _backends(request)
    settings: EdgeSettings = request.app.state.settings
    return OrderComposer(
        backends.inventory,
        backends.billing,
        backends.shipping,
        margin_seconds=settings.composition_margin_seconds,
    )


async def _all_backends(request: Request) -> Backends:
    return _backends(request)


class _Caller(HTTPBearer):
    """The authenticated caller, optionally restricted to some roles, as one flat dependency.

    It is the `HTTPBearer` security scheme itself (same name and description in the OpenAPI
    document), so FastAPI solves one dependency per request instead of a guard over a principal over
    the bearer scheme; the bearer parsing, token check and role check run as before.
    """

    def __init__(self, *roles: Role) -> None:
        # auto_error=False: a missing or non-Bearer header must become our own 401 problem document.
        super().__init__(auto_error=False, scheme_name="HTTPBearer", description=_BEARER_DESCRIPTION)
        self._roles = roles
        self._allowed = ", ".join(roles)

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        credentials = await super().__call__(request)
        if credentials is None:
            raise unauthenticated("TOKEN_MISSING", "send `Authorization: Bearer <token>`")
        verifier: TokenVerifier = request.app.state.verifier
        principal = verifier.verify(credentials.credentials)
        if self._roles and principal.role not in self._roles:
            detail = f"this operation needs one of the roles: {self._allowed}"
            raise ApiError(403, "PERMISSION_DENIED", "ROLE_NOT_ALLOWED", detail)
        return principal


Ctx = Annotated[RequestContext, Depends(_request_context)]
Settings = Annotated[EdgeSettings, Depends(_settings)]
Inventory = Annotated[InventoryClient, Depends(_inventory)]
Billing = Annotated[BillingClient, Depends(_billing)]
Shipping = Annotated[ShippingClient, Depends(_shipping)]
Composer = Annotated[OrderComposer, Depends(_composer)]
AllBackends = Annotated[Backends, Depends(_all_backends)]
Admin = Annotated[Principal, Depends(_Caller(Role.ADMIN))]
CustomerOrAdmin = Annotated[Principal, Depends(_Caller(Role.CUSTOMER, Role.ADMIN))]
CarrierOrAdmin = Annotated[Principal, Depends(_Caller(Role.CARRIER, Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(_Caller())]
