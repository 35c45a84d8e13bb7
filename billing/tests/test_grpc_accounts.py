"""Accounts through the real gRPC server: top-ups idempotent per key, also under concurrency; clear errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest

from billing.store.tables import ledger_entries
from billing.tests.harness import RunningService, failure_of, running_service
from billing.tests.shipping_fake import FakeShipping
from chassis.testing import NatsServer
from mercado.billing.v1 import billing_pb2 as pb
from mercado.common.v1 import money_pb2


def top_up(
    amount: int, *, key: str = "key-1", customer_id: str = "alice", currency: str = "EUR"
) -> pb.TopUpAccountRequest:
    return pb.TopUpAccountRequest(
        customer_id=customer_id,
        amount=money_pb2.Money(currency_code=currency, amount_minor=amount),
        idempotency_key=key,
    )


async def refused(call: asyncio.Future[object] | object) -> tuple[grpc.StatusCode, str, list[str]]:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    failure = failure_of(error.value)
    return failure.code, failure.reason, failure.fields


async def test_a_top_up_opens_the_account_and_the_balance_shows_it(service: RunningService) -> None:
    reply = await service.stub.TopUpAccount(top_up(5000))
    assert reply.top_up.amount.amount_minor == 5000
    assert reply.top_up.balance_after.amount_minor == 5000
    assert reply.top_up.idempotency_key == "key-1"
    account = (await service.stub.GetAccount(pb.GetAccountRequest(customer_id="alice"))).account
    assert (account.balance.currency_code, account.balance.amount_minor) == ("EUR", 5000)


async def test_a_retried_top_up_returns_the_original_and_credits_once(service: RunningService) -> None:
    first = await service.stub.TopUpAccount(top_up(5000))
    again = await service.stub.TopUpAccount(top_up(5000))
    assert again.top_up == first.top_up
    assert again.account.balance.amount_minor == 5000
    assert await service.ledger("alice") == [("TOP_UP", 5000)]


async def test_the_same_key_with_another_amount_is_refused_as_reused(service: RunningService) -> None:
    await service.stub.TopUpAccount(top_up(5000))
    code, reason, _ = await refused(service.stub.TopUpAccount(top_up(7000)))
    assert (code, reason) == (grpc.StatusCode.ALREADY_EXISTS, "IDEMPOTENCY_KEY_REUSED")
    assert await service.balance("alice") == 5000


@pytest.mark.parametrize("amount", [0, -1])
async def test_a_non_positive_top_up_is_invalid_and_opens_nothing(
    service: RunningService, amount: int
) -> None:
    code, reason, fields = await refused(service.stub.TopUpAccount(top_up(amount)))
    assert (code, reason, fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        ["amount.amount_minor"],
    )
    code, reason, _ = await refused(service.stub.GetAccount(pb.GetAccountRequest(customer_id="alice")))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "ACCOUNT_NOT_FOUND")


async def test_a_top_up_in_another_currency_is_refused(service: RunningService) -> None:
    await service.stub.TopUpAccount(top_up(5000, key="a"))
    code, reason, _ = await refused(service.stub.TopUpAccount(top_up(100, key="b", currency="USD")))
    assert (code, reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CURRENCY_MISMATCH")
    assert await service.balance("alice") == 5000


async def test_unknown_or_malformed_invoices_are_reported_as_such(service: RunningService) -> None:
    unknown = pb.GetInvoiceRequest(invoice_id="0b5d6a0e-8f0a-4a49-9a8e-3f1f3c1b2a77")
    assert (await refused(service.stub.GetInvoice(unknown)))[:2] == (
        grpc.StatusCode.NOT_FOUND,
        "INVOICE_NOT_FOUND",
    )
    malformed = pb.GetInvoiceRequest(invoice_id="INV-1")
    assert await refused(service.stub.GetInvoice(malformed)) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        ["invoice_id"],
    )
    forged = pb.ListInvoicesRequest(page_token="bm90IGEgdG9rZW4")
    assert (await refused(service.stub.ListInvoices(forged)))[2] == ["page_token"]


@pytest.fixture
async def service_on(
    database_url: str, nats_server: NatsServer, shipping: FakeShipping
) -> AsyncIterator[RunningService]:
    async with running_service(database_url, nats_server.url, f"127.0.0.1:{shipping.port}") as running:
        yield running


async def test_concurrent_top_ups_with_one_key_book_once(service_on: RunningService) -> None:
    replies = await asyncio.gather(
        *(service_on.stub.TopUpAccount(top_up(2500), timeout=30) for _ in range(12))
    )
    assert len({reply.top_up.top_up_id for reply in replies}) == 1
    assert await service_on.balance("alice") == 2500
    assert await service_on.count(ledger_entries) == 1


async def test_concurrent_first_top_ups_with_different_keys_open_one_account(
    service_on: RunningService,
) -> None:
    requests = [top_up(100, key=f"k{n}") for n in range(8)]
    await asyncio.gather(*(service_on.stub.TopUpAccount(request, timeout=30) for request in requests))
    assert await service_on.balance("alice") == 800
    assert await service_on.money_is_conserved("alice")
