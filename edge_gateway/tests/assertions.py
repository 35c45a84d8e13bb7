"""Assertions on what a client receives: problem documents and resources valid against the public schemas."""

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from edge_gateway.schemas.problems import Problem

Model = TypeVar("Model", bound=BaseModel)


def problem(response: httpx.Response, status: int, reason: str) -> Problem:
    """The response is an RFC 9457 document with this status and reason, echoing the request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document = Problem.model_validate_json(response.content)
    assert (document.status, document.reason) == (status, reason), document
    assert document.request_id == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return document


def fields(document: Problem) -> set[str]:
    return {violation.field for violation in document.errors}


def resource(response: httpx.Response, status: int, model: type[Model]) -> Model:
    """The body is valid against the documented response model."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return model.model_validate_json(response.content)


def json_of(response: httpx.Response) -> Any:
    return response.json()
