"""Shapes of the liveness and readiness endpoints."""

from typing import Literal

from pydantic import BaseModel, Field


class Liveness(BaseModel):
    """The process is up and serving HTTP."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether every backend answers its gRPC health check with SERVING."""

    status: Literal["ready", "not_ready"]
    backends: dict[str, str] = Field(
        description="Health status per backend: SERVING, NOT_SERVING, SERVICE_UNKNOWN or UNREACHABLE."
    )
