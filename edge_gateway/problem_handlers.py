"""Turns every failure into an RFC 9457 problem document; no traceback or backend detail leaks out."""

import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from edge_gateway.errors import ApiError, BackendError, Location, Violation
from edge_gateway.request_context import SCOPE_KEY, RequestContext
from edge_gateway.responses import ProblemResponse

logger = logging.getLogger(__name__)

# The canonical gRPC -> HTTP table of SPEC §5; anything missing here is a 500.
HTTP_STATUS_OF_CODE: Mapping[str, int] = {
    "INVALID_ARGUMENT": 400,
    "OUT_OF_RANGE": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "FAILED_PRECONDITION": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}
# Codes whose backend message is written for the caller (a domain error's text); for every other
# code the message may describe the backend's internals (addresses, exceptions) and is replaced.
_CALLER_FACING_CODES = frozenset(
    {
        "INVALID_ARGUMENT",
        "OUT_OF_RANGE",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "ABORTED",
        "FAILED_PRECONDITION",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
    }
)
_CODE_OF_HTTP_STATUS: Mapping[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    413: "RESOURCE_EXHAUSTED",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
}
# RFC 9110 names; Python's HTTPStatus phrases for these changed between versions.
_TITLES: Mapping[int, str] = {413: "Content Too Large", 422: "Unprocessable Content"}
_REASON_OF_HTTP_STATUS: Mapping[int, str] = {
    404: "ROUTE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
}


def problem_response(
    request: Request,
    error: ApiError,
) -> Response:
    """Render one problem document, echoing the request id in body and header."""
    ctx = request.scope.get(SCOPE_KEY)
    request_id = ctx.request_id if isinstance(ctx, RequestContext) else ""
    body = {
        "type": f"urn:mercado:problem:{error.reason.lower().replace('_', '-')}",
        "title": _TITLES.get(error.status) or HTTPStatus(error.status).phrase,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "reason": error.reason,
        "request_id": request_id,
        "errors": [_violation_json(v) for v in error.violations],
    }
    return ProblemResponse(body, status_code=error.status, headers=error.headers or None)


def api_error_of_backend(exc: BackendError) -> ApiError:
    """Map a failed gRPC call through the canonical table."""
    status = HTTP_STATUS_OF_CODE.get(exc.code, 500)
    if exc.code in _CALLER_FACING_CODES:
        return ApiError(status, exc.code, exc.reason or exc.code, exc.message, violations=exc.violations)
    if exc.code == "UNAVAILABLE":
        detail = f"the {exc.backend} service is unavailable; retry later"
        return ApiError(status, exc.code, "BACKEND_UNAVAILABLE", detail, headers={"Retry-After": "1"})
    if exc.code == "DEADLINE_EXCEEDED":
        return ApiError(status, exc.code, "DEADLINE_EXCEEDED", "the request did not complete in time")
    code = exc.code if status != 500 else "INTERNAL"
    return ApiError(status, code, code, "the request could not be completed")


_LOCATIONS: Mapping[object, Location] = {"body": "body", "query": "query", "path": "path", "header": "header"}


def violations_of(errors: Sequence[Any]) -> list[Violation]:
    """Field paths in the API's notation (`lines[0].quantity`) from FastAPI/pydantic error locations."""
    found = []
    for error in errors:
        location, *path = error.get("loc", ()) or ("body",)
        known = _LOCATIONS.get(location)
        description = str(error.get("msg", "")).removeprefix("Value error, ")
        found.append(Violation(_path(path) or str(location), description, known))
    return found


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _log_context(request: Request) -> dict[str, str]:
    ctx = request.scope.get(SCOPE_KEY)
    return {"request_id": ctx.request_id, "trace_id": ctx.trace_id} if isinstance(ctx, RequestContext) else {}


def _violation_json(violation: Violation) -> dict[str, str | None]:
    return {"field": violation.field, "location": violation.location, "description": violation.description}


async def _on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem_response(request, exc)


async def _on_backend_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BackendError)
    error = api_error_of_backend(exc)
    if error.status >= 500:
        # The client sees a generic detail; the backend's own message is kept for the operators.
        fields = {"backend": exc.backend, "code": exc.code, "backend_message": exc.message}
        logger.warning("backend call failed", extra=fields | _log_context(request))
    return problem_response(request, error)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        error = ApiError(422, "INVALID_ARGUMENT", "MALFORMED_JSON", "the request body is not valid JSON")
    else:
        error = ApiError(
            422,
            "INVALID_ARGUMENT",
            "VALIDATION_FAILED",
            "the request has invalid fields",
            violations=violations_of(errors),
        )
    return problem_response(request, error)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = _CODE_OF_HTTP_STATUS.get(status, "UNKNOWN" if status < 500 else "INTERNAL")
    reason = _REASON_OF_HTTP_STATUS.get(status, code)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return problem_response(request, ApiError(status, code, reason, detail, headers=exc.headers))


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Runs in Starlette's outermost middleware, after the request-id middleware has unwound.
    logger.exception("unhandled error", extra={"path": request.url.path} | _log_context(request))
    response = problem_response(
        request, ApiError(500, "INTERNAL", "INTERNAL", "the request could not be completed")
    )
    ctx = request.scope.get(SCOPE_KEY)
    if isinstance(ctx, RequestContext):
        response.headers["X-Request-ID"] = ctx.request_id
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Register every handler on the app."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(BackendError, _on_backend_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
