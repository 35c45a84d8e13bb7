"""Runs the real shipping service in-process (gRPC on port 0) and gives tests a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from chassis.runtime import ServiceRuntime
from chassis.testing import serving
from mercado.shipping.v1 import shipping_pb2_grpc
from shipping.grpc_api import SERVICE_NAME
from shipping.main import build
from shipping.settings import ShippingSettings


@dataclass
class RunningService:
    runtime: ServiceRuntime
    channel: grpc.aio.Channel
    stub: shipping_pb2_grpc.ShippingServiceAsyncStub
    settings: ShippingSettings


def settings_for(database_url: str, nats_url: str, **overrides: Any) -> ShippingSettings:
    defaults: dict[str, Any] = {
        "grpc_port": 0,
        "log_format": "text",
        "shutdown_grace_seconds": 2.0,
        "consumer_pull_expiry_seconds": 0.1,
    }
    return ShippingSettings(database_url=database_url, nats_url=nats_url, **{**defaults, **overrides})


@asynccontextmanager
async def running_service(
    database_url: str, nats_url: str, **overrides: Any
) -> AsyncIterator[RunningService]:
    settings = settings_for(database_url, nats_url, **overrides)
    runtime = await build(settings)
    async with serving(runtime, SERVICE_NAME, runtime.run) as channel:
        stub = shipping_pb2_grpc.ShippingServiceStub(channel)
        yield RunningService(runtime, channel, stub, settings)


@dataclass(frozen=True)
class RpcFailure:
    """What a client learns from a failed call: the code, the reason and the field violations."""

    code: grpc.StatusCode
    reason: str
    fields: list[str]
    metadata: dict[str, str]


def failure_of(error: grpc.aio.AioRpcError) -> RpcFailure:
    status = rpc_status.from_call(error)
    reason, fields, metadata = "", [], {}
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Unpack(bad_request):
            fields = [v.field for v in bad_request.field_violations]
    return RpcFailure(error.code(), reason, fields, metadata)
