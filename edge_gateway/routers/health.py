"""Liveness (/healthz: the process answers) and readiness (/readyz: every backend is SERVING)."""

import asyncio

from fastapi import APIRouter
from starlette.responses import Response

from edge_gateway.dependencies import AllBackends, Ctx
from edge_gateway.responses import JsonResponse
from edge_gateway.schemas.health import Liveness, Readiness

router = APIRouter(tags=["health"])

_LIVE = {"status": "ok"}


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Response:
    """Liveness: answers while the event loop runs; never looks at the backends."""
    return JsonResponse(_LIVE)


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "At least one backend is not SERVING."}},
)
async def readyz(backends: AllBackends, ctx: Ctx) -> Response:
    """Readiness: the gRPC health check of every configured backend, run concurrently."""
    probes = list(backends.probes.values())
    statuses = await asyncio.gather(*(probe.status(ctx) for probe in probes))
    report = {probe.backend: status for probe, status in zip(probes, statuses, strict=True)}
    ready = all(status == "SERVING" for status in statuses)
    body = {"status": "ready" if ready else "not_ready", "backends": report}
    return JsonResponse(body, status_code=200 if ready else 503)
