"""The quote adapter against a real gRPC server: identical quotes in flight share one call, nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc.aio
import pytest

from billing.domain import Unshippable
from billing.shipping_client import GrpcShippingQuotes
from billing.tests.shipping_fake import FEE_MINOR, UNSHIPPABLE_COUNTRY, FakeShipping
from billing.use_cases import ShippingUnavailable
from chassis.testing import eventually, free_port


@pytest.fixture
async def quotes(shipping: FakeShipping) -> AsyncIterator[GrpcShippingQuotes]:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{shipping.port}")
    yield GrpcShippingQuotes(channel, timeout_seconds=5)
    await channel.close()


async def _held(shipping: FakeShipping, calls: int) -> None:
    await eventually(lambda: len(shipping.servicer.quotes) >= calls, message="quotes did not arrive")


async def test_identical_quotes_in_flight_share_one_call(
    quotes: GrpcShippingQuotes, shipping: FakeShipping
) -> None:
    shipping.servicer.hold = asyncio.Event()
    asking = [
        asyncio.create_task(quotes.quote(country="DE", weight_grams=500, currency="EUR")) for _ in range(5)
    ]
    other = asyncio.create_task(quotes.quote(country="DE", weight_grams=900, currency="EUR"))
    await _held(shipping, 2)
    shipping.servicer.hold.set()
    answers = await asyncio.gather(*asking, other)
    assert [answer.fee.amount_minor for answer in answers] == [FEE_MINOR] * 6
    assert sorted(q.total_weight_grams for q in shipping.servicer.quotes) == [500, 900]


async def test_a_quote_asked_after_the_last_one_ended_is_a_new_call(
    quotes: GrpcShippingQuotes, shipping: FakeShipping
) -> None:
    for _ in range(3):
        await quotes.quote(country="DE", weight_grams=500, currency="EUR")
    assert len(shipping.servicer.quotes) == 3


async def test_a_refusal_reaches_every_order_that_waited_for_it(
    quotes: GrpcShippingQuotes, shipping: FakeShipping
) -> None:
    shipping.servicer.hold = asyncio.Event()
    asking = [
        asyncio.create_task(quotes.quote(country=UNSHIPPABLE_COUNTRY, weight_grams=500, currency="EUR"))
        for _ in range(3)
    ]
    await _held(shipping, 1)
    shipping.servicer.hold.set()
    results = await asyncio.gather(*asking, return_exceptions=True)
    assert all(isinstance(result, Unshippable) for result in results)
    assert len(shipping.servicer.quotes) == 1


async def test_one_caller_giving_up_does_not_cancel_the_others(
    quotes: GrpcShippingQuotes, shipping: FakeShipping
) -> None:
    shipping.servicer.hold = asyncio.Event()
    first = asyncio.create_task(quotes.quote(country="DE", weight_grams=500, currency="EUR"))
    second = asyncio.create_task(quotes.quote(country="DE", weight_grams=500, currency="EUR"))
    await _held(shipping, 1)
    first.cancel()
    shipping.servicer.hold.set()
    assert (await second).fee.amount_minor == FEE_MINOR
    assert first.cancelled()
    assert len(shipping.servicer.quotes) == 1


async def test_shipping_unreachable_is_unavailable_for_everyone_waiting() -> None:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{free_port()}")
    quotes = GrpcShippingQuotes(channel, timeout_seconds=0.5)
    try:
        results = await asyncio.gather(
            *(quotes.quote(country="DE", weight_grams=500, currency="EUR") for _ in range(3)),
            return_exceptions=True,
        )
    finally:
        await channel.close()
    assert all(isinstance(result, ShippingUnavailable) for result in results)
