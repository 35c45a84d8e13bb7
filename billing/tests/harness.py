"""Runs the real billing service in-process (gRPC on port 0) and gives tests a client and its data."""

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
from sqlalchemy import func, select

from billing.grpc_api import SERVICE_NAME
from billing.main import build
from billing.settings import BillingSettings
from billing.store.tables import accounts, dead_letters, ledger_entries
from chassis.db import create_engine
from chassis.runtime import ServiceRuntime
from chassis.testing import serving
from mercado.billing.v1 import billing_pb2 as pb
from mercado.billing.v1 import billing_pb2_grpc
from mercado.common.v1 import money_pb2


@dataclass
class RunningService:
    runtime: ServiceRuntime
    channel: grpc.aio.Channel
    stub: billing_pb2_grpc.BillingServiceAsyncStub
    settings: BillingSettings

    async def top_up(
        self, customer_id: str, amount: int, *, currency: str = "EUR"
    ) -> pb.TopUpAccountResponse:
        request = pb.TopUpAccountRequest(
            customer_id=customer_id,
            amount=money_pb2.Money(currency_code=currency, amount_minor=amount),
            idempotency_key=str(uuid.uuid4()),
        )
        return await self.stub.TopUpAccount(request)

    async def balance(self, customer_id: str) -> int:
        reply = await self.stub.GetAccount(pb.GetAccountRequest(customer_id=customer_id))
        return int(reply.account.balance.amount_minor)

    async def ledger(self, customer_id: str) -> list[tuple[str, int]]:
        """(kind, amount) of every ledger entry of the customer, oldest first."""
        query = (
            select(ledger_entries.c.kind, ledger_entries.c.amount_minor)
            .where(ledger_entries.c.customer_id == customer_id)
            .order_by(ledger_entries.c.seq)
        )
        return [(row.kind, row.amount_minor) for row in await self._rows(query)]

    async def money_is_conserved(self, customer_id: str) -> bool:
        """Balance = top-ups - charges + refunds, straight from the tables."""
        balance = (
            await self._rows(select(accounts.c.balance_minor).where(accounts.c.customer_id == customer_id))
        )[0]
        signed = sum(
            -amount if kind == "CHARGE" else amount for kind, amount in await self.ledger(customer_id)
        )
        return bool(balance.balance_minor == signed)

    async def dead_lettered(self) -> list[str | None]:
        return [
            row.event_id
            for row in await self._rows(select(dead_letters.c.event_id).order_by(dead_letters.c.id))
        ]

    async def count(self, table: Any) -> int:
        return int((await self._rows(select(func.count()).select_from(table)))[0][0])

    async def _rows(self, query: Any) -> list[Any]:
        engine = create_engine(self.settings.database_url)
        try:
            async with engine.connect() as connection:
                return list(await connection.execute(query))
        finally:
            await engine.dispose()


def settings_for(database_url: str, nats_url: str, shipping_addr: str, **overrides: Any) -> BillingSettings:
    return BillingSettings(
        database_url=database_url,
        nats_url=nats_url,
        shipping_addr=shipping_addr,
        grpc_port=0,
        log_format="text",
        shutdown_grace_seconds=2.0,
        consumer_pull_expiry_seconds=0.1,
        **overrides,
    )


@asynccontextmanager
async def running_service(
    database_url: str, nats_url: str, shipping_addr: str, **overrides: Any
) -> AsyncIterator[RunningService]:
    settings = settings_for(database_url, nats_url, shipping_addr, **overrides)
    service = await build(settings)
    runtime = service.runtime
    async with serving(runtime, SERVICE_NAME, service.run) as channel:
        yield RunningService(runtime, channel, billing_pb2_grpc.BillingServiceStub(channel), settings)


@dataclass(frozen=True)
class RpcFailure:
    """What a client learns from a failed call: the code, the reason and the field violations."""

    code: grpc.StatusCode
    reason: str
    fields: list[str]


def failure_of(error: grpc.aio.AioRpcError) -> RpcFailure:
    status = rpc_status.from_call(error)
    reason, fields = "", []
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason = info.reason
        elif detail.Unpack(bad_request):
            fields = [v.field for v in bad_request.field_violations]
    return RpcFailure(error.code(), reason, fields)
