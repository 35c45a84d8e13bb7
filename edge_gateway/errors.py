"""The edge's exceptions: failures with a public meaning, and failures reported by a backend."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Location = Literal["body", "query", "path", "header"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One wrong input value: its path, where in the request it is, and what is wrong."""

    field: str
    description: str
    location: Location | None = None


class ApiError(Exception):
    """A failure the client should see as it is: HTTP status, gRPC code name and machine reason."""

    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        detail: str,
        *,
        violations: Sequence[Violation] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.reason = reason
        self.detail = detail
        self.violations = tuple(violations)
        self.headers = dict(headers or {})


def invalid_input(violations: Sequence[Violation]) -> ApiError:
    """422 for input the schema accepted but the edge's configured limits or rules do not."""
    return ApiError(
        422, "INVALID_ARGUMENT", "VALIDATION_FAILED", "the request has invalid fields", violations=violations
    )


class BackendError(Exception):
    """A gRPC call failed; carries the status and the rich-status details the backend sent.

    `code` is the gRPC status name (e.g. "FAILED_PRECONDITION") so that this module and the error
    rendering stay free of transport types.
    """

    def __init__(
        self,
        backend: str,
        code: str,
        message: str,
        *,
        reason: str | None = None,
        violations: Sequence[Violation] = (),
    ) -> None:
        super().__init__(f"{backend}: {code}: {message}")
        self.backend = backend
        self.code = code
        self.message = message
        self.reason = reason
        self.violations = tuple(violations)
