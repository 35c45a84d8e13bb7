"""What each service answers on grpc.health.v1 for the overall service (""), as the status names."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVING = "SERVING"
NOT_SERVING = "NOT_SERVING"
# The call itself failed: the process is gone or does not answer within the timeout.
UNREACHABLE = "UNREACHABLE"
CHECK_TIMEOUT = 1.0


async def status(address: str) -> str:
    """The overall health status the service at `address` reports, or UNREACHABLE."""
    async with grpc.aio.insecure_channel(address) as channel:
        request = health_pb2.HealthCheckRequest(service="")
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=CHECK_TIMEOUT)
        except grpc.aio.AioRpcError:
            return UNREACHABLE
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


async def statuses(addresses: Mapping[str, str]) -> dict[str, str]:
    """Per service name, the status its address reports; asked of every service at once."""
    names = list(addresses)
    found = await asyncio.gather(*(status(addresses[name]) for name in names))
    return dict(zip(names, found, strict=True))


async def all_report(addresses: Mapping[str, str], expected: str) -> bool:
    return set((await statuses(addresses)).values()) == {expected}
