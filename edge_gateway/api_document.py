"""Builds the app's public OpenAPI document, with error responses typed as application/problem+json."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_MEDIA_TYPE = "application/problem+json"


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of `app`, cached on it as FastAPI does for its own."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                _problems_as_problem_json(operation.get("responses", {}))
        app.openapi_schema = document
    return app.openapi_schema


def _problems_as_problem_json(responses: dict[str, Any]) -> None:
    # FastAPI documents every `model=` response as application/json; errors are problem documents.
    for status, response in responses.items():
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        if status[:1] in "45" and schema.get("$ref", "").endswith("/Problem"):
            content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
