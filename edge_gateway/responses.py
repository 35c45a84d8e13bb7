"""Response classes: orjson-encoded JSON, RFC 9457 problem documents, and server-sent event streams."""

import asyncio
from typing import Any

import orjson
from starlette.responses import JSONResponse, StreamingResponse
from starlette.types import Receive, Scope, Send


class JsonResponse(JSONResponse):
    """JSON rendered by orjson; the routes hand it plain dicts built straight from protobuf messages.

    It derives from Starlette's JSONResponse only so that FastAPI documents each route's response
    model in the OpenAPI document (it does so for JSON response classes alone); rendering is orjson's.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ProblemResponse(JsonResponse):
    """An `application/problem+json` error document."""

    media_type = "application/problem+json"


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` that stops producing the moment its client leaves.

    Starlette's StreamingResponse watches for `http.disconnect` only under ASGI spec versions below
    2.4; above, it relies on `send` failing, which never happens while a stream has nothing to
    send, so a stream of a quiet order would go on polling for its whole lifetime after its client
    left. This one always races the stream against the disconnect and closes the event source
    either way, whatever the server's spec version.
    """

    media_type = "text/event-stream"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = asyncio.ensure_future(self._stream(send))
        gone = asyncio.ensure_future(_client_gone(receive))
        try:
            await asyncio.wait((stream, gone), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stream.cancel()
            gone.cancel()
            await asyncio.gather(stream, gone, return_exceptions=True)
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()
        if not stream.cancelled() and (failure := stream.exception()) is not None:
            raise failure

    async def _stream(self, send: Send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            # The server could not write: the client is gone (how ASGI 2.4 servers report it).
            return


async def _client_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
