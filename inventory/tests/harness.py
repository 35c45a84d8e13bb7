"""Runs the real inventory service in-process (gRPC on port 0) and gives tests a client for it."""

from __future__ import annotations

import uuid
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
from inventory.grpc_api import SERVICE_NAME
from inventory.main import build
from inventory.settings import InventorySettings
from mercado.common.v1 import address_pb2, money_pb2
from mercado.inventory.v1 import inventory_pb2 as pb
from mercado.inventory.v1 import inventory_pb2_grpc


@dataclass
class RunningService:
    runtime: ServiceRuntime
    channel: grpc.aio.Channel
    stub: inventory_pb2_grpc.InventoryServiceAsyncStub
    settings: InventorySettings


def settings_for(database_url: str, nats_url: str, **overrides: Any) -> InventorySettings:
    return InventorySettings(
        database_url=database_url,
        nats_url=nats_url,
        grpc_port=0,
        log_format="text",
        shutdown_grace_seconds=2.0,
        consumer_pull_expiry_seconds=0.1,
        **overrides,
    )


@asynccontextmanager
async def running_service(
    database_url: str, nats_url: str, **overrides: Any
) -> AsyncIterator[RunningService]:
    settings = settings_for(database_url, nats_url, **overrides)
    service = await build(settings)
    runtime = service.runtime
    async with serving(runtime, SERVICE_NAME, service.run) as channel:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        yield RunningService(runtime, channel, stub, settings)


def eur(amount_minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=amount_minor)


def address(**changes: str) -> address_pb2.PostalAddress:
    fields = {"name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "London"}
    fields.update(postal_code="N1 9GU", country="GB")
    fields.update(changes)
    return address_pb2.PostalAddress(**fields)


def create_request(
    sku: str, *, on_hand: int = 10, price: int = 1250, threshold: int = 0
) -> pb.CreateItemRequest:
    return pb.CreateItemRequest(
        sku=sku,
        name=f"Item {sku}",
        unit_price=eur(price),
        weight_grams=350,
        initial_on_hand=on_hand,
        low_stock_threshold=threshold,
    )


def reserve_request(
    *lines: tuple[str, int], order_id: str | None = None, customer_id: str = "alice"
) -> pb.ReserveStockRequest:
    return pb.ReserveStockRequest(
        order_id=order_id or str(uuid.uuid4()),
        customer_id=customer_id,
        lines=[pb.ReserveStockLine(sku=sku, quantity=quantity) for sku, quantity in lines],
        shipping_address=address(),
    )


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
