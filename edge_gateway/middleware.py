"""Pure ASGI middleware of the edge: request context (ids, deadline) and the request body cap.

Pure ASGI on purpose: BaseHTTPMiddleware adds a task and a stream per request, which the hot
catalogue path cannot afford.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edge_gateway.request_context import SCOPE_KEY, RequestContext

_BODILESS = frozenset({"GET", "HEAD"})


class RequestContextMiddleware:
    """Starts each HTTP request's context and echoes X-Request-ID on the response."""

    def __init__(self, app: ASGIApp, *, budget_seconds: float) -> None:
        self.app = app
        self.budget_seconds = budget_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = traceparent = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
            elif name == b"traceparent":
                traceparent = value
        ctx = RequestContext.start(request_id, traceparent, self.budget_seconds)
        scope[SCOPE_KEY] = ctx
        echoed = (b"x-request-id", ctx.request_id.encode())

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        await self.app(scope, receive, send_with_request_id)


class BodyLimitMiddleware:
    """Fails the first body read once the declared or received size passes `max_bytes`.

    Starlette's RequestBodyLimitMiddleware exists (1.10) but, when the declared Content-Length is
    too large, it replaces whatever response the app sends with a text/plain 413 outside every
    handler, so the client would get neither a problem document nor its X-Request-ID. This one
    only raises from `receive`, and the app's handlers render the error like any other.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # No GET or HEAD route reads a body, so the hot read paths skip the wrapping entirely.
        if scope["type"] != "http" or scope["method"] in _BODILESS:
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        received = 0
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        too_large = declared is not None and declared.isdigit() and int(declared) > limit

        async def limited_receive() -> Message:
            nonlocal received
            if too_large:
                raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> HTTPException:
    # An HTTPException on purpose: FastAPI re-raises those from body parsing unchanged (anything
    # else becomes a 400), and the problem handler renders it with reason BODY_TOO_LARGE.
    return HTTPException(413, f"the request body exceeds the limit of {limit} bytes")
