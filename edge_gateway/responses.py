"""Response classes: orjson-encoded JSON for resources and RFC 9457 problem documents for errors."""

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    """JSON rendered by orjson; the routes hand it plain dicts built straight from protobuf messages."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ProblemResponse(JsonResponse):
    """An `application/problem+json` error document."""

    media_type = "application/problem+json"
