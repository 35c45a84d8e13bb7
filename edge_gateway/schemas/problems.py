"""The RFC 9457 problem document every error of the API is rendered as."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class FieldViolation(BaseModel):
    """One wrong input value and why it is wrong."""

    field: str = Field(description="Path of the value, e.g. `lines[0].quantity`.")
    location: Literal["body", "query", "path", "header"] | None = Field(
        default=None, description="Part of the request the field is in, when known."
    )
    description: str


class Problem(BaseModel):
    """An `application/problem+json` error document."""

    type: str = Field(description="URI identifying the kind of problem; stable per reason.")
    title: str = Field(description="Short summary of the HTTP status.")
    status: int
    detail: str = Field(description="Human-readable explanation of this occurrence.")
    code: str = Field(description="gRPC status name, e.g. `FAILED_PRECONDITION`.")
    reason: str = Field(description="Machine-readable UPPER_SNAKE reason, e.g. `INSUFFICIENT_STOCK`.")
    request_id: str = Field(description="Echo of the X-Request-ID response header.")
    errors: list[FieldViolation] = Field(default_factory=list, description="Field violations, if any.")


_DESCRIPTIONS = {
    400: "The backend rejected an argument.",
    401: "Missing, expired or invalid bearer token.",
    403: "The caller's role may not do this.",
    404: "No such resource (or not the caller's).",
    409: "Conflicts with the current state, e.g. INSUFFICIENT_STOCK.",
    413: "The request body is larger than the configured cap.",
    422: "Invalid input; `errors` lists the fields.",
    503: "A backend is unavailable; retry later.",
    504: "The request's time budget ran out.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem documents for the given statuses."""
    return {
        status: {"model": Problem, "description": _DESCRIPTIONS.get(status, "Error.")}
        for status in sorted(statuses)
    }
