"""The order saga end to end over REST: delivered, payment failed, cancelled before and after payment.

One stack for the module (NATS, the three services and the edge as processes on free ports). Each
test uses its own SKU and customer, and ends by checking SPEC §3's invariants over everything the
module did, read from the services through gRPC.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from scripts.devstack import Stack
from scripts.invariants import Ledger
from tests.faults.control import ensure_running, restart, running_stack, stop, stopped
from tests.faults.settle import settled_report
from tests.faults.shop import JsonObject, Shop, unique

pytestmark = pytest.mark.e2e

PRICE = 1000
STOCK = 10
EVENT_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("saga")) as running:
        yield running


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
async def shop(stack: Stack, ledger: Ledger) -> AsyncIterator[Shop]:
    async with httpx.AsyncClient(base_url=stack.endpoints.edge_url, timeout=10.0) as client:
        yield Shop(client, ledger)


async def stocked_item(shop: Shop) -> str:
    sku = unique("SAGA")
    await shop.create_item(sku, on_hand=STOCK, price_minor=PRICE)
    return sku


async def customer_with(shop: Shop, balance: int) -> str:
    customer = unique("cust")
    await shop.top_up(customer, balance)
    return customer


async def paid_order(shop: Shop, customer: str, sku: str, quantity: int = 1) -> tuple[str, JsonObject]:
    """An order placed and paid, with its shipment created (AWAITING_SHIPMENT)."""
    order_id = await shop.place_order(customer, {sku: quantity})
    return order_id, await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)


def total_of(order: JsonObject) -> int:
    return int(order["totals"]["total"]["amount_minor"])


def shipment_id(order: JsonObject) -> str:
    return str(order["shipment"]["shipment_id"])


async def test_paid_order_is_dispatched_and_delivered(stack: Stack, shop: Shop) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, 10_000)

    order_id, order = await paid_order(shop, customer, sku, quantity=2)
    assert (await shop.dispatch(shipment_id(order))).status_code == 200
    await shop.wait_for(order_id, "SHIPPED")
    assert (await shop.deliver(shipment_id(order))).status_code == 200
    delivered = await shop.wait_for(order_id, "DELIVERED")

    report = await settled_report(stack, shop.ledger)
    assert report.order_status[order_id] == "DELIVERED"
    assert delivered["invoice"]["status"] == "PAID"
    assert order["totals"]["subtotal"]["amount_minor"] == 2 * PRICE
    assert await shop.balance(customer) == 10_000 - total_of(order)
    item = await shop.item(sku)
    assert (item["on_hand"], item["reserved"], item["available"]) == (STOCK - 2, 0, STOCK - 2)


async def test_insufficient_funds_fail_the_payment_and_release_the_stock(stack: Stack, shop: Shop) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, PRICE // 2)

    order_id = await shop.place_order(customer, {sku: 3})
    failed = await shop.wait_for(order_id, "PAYMENT_FAILED")

    await settled_report(stack, shop.ledger)
    assert failed["invoice"]["failure_reason"] == "INSUFFICIENT_FUNDS"
    assert "shipment" not in failed
    assert await shop.balance(customer) == PRICE // 2
    assert (await shop.item(sku))["available"] == STOCK


async def test_order_cancelled_before_payment_is_never_charged(stack: Stack, shop: Shop) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, 10_000)

    # With billing stopped the order cannot be paid yet: the cancellation surely comes first.
    async with stopped(stack, "billing"):
        order_id = await shop.place_order(customer, {sku: 2})
        cancelled = await shop.cancel(order_id, customer)
        assert cancelled.status_code == 202, cancelled.text
    await shop.wait_for(order_id, "CANCELLED")

    report = await settled_report(stack, shop.ledger)
    assert report.order_status[order_id] == "CANCELLED"
    # Billing met the order only after its cancellation: it charged nothing (or refunded what it took).
    assert await shop.balance(customer) == 10_000
    assert (await shop.item(sku))["available"] == STOCK


async def test_order_cancelled_after_payment_is_refunded_and_released(stack: Stack, shop: Shop) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, 10_000)
    order_id, paid = await paid_order(shop, customer, sku, quantity=4)
    assert await shop.balance(customer) == 10_000 - total_of(paid)

    cancelled = await shop.cancel(order_id, customer)
    assert cancelled.status_code == 202, cancelled.text
    await shop.wait_for(order_id, "CANCELLED")

    await settled_report(stack, shop.ledger)
    order = await shop.order(order_id)
    assert (order["invoice"]["status"], order["shipment"]["status"]) == ("REFUNDED", "CANCELLED")
    assert await shop.balance(customer) == 10_000
    assert (await shop.item(sku))["available"] == STOCK


async def test_dispatched_order_cannot_be_cancelled(stack: Stack, shop: Shop) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, 10_000)
    order_id, paid = await paid_order(shop, customer, sku)
    assert (await shop.dispatch(shipment_id(paid))).status_code == 200

    refused = await shop.cancel(order_id, customer)

    assert refused.status_code == 409
    assert refused.json()["reason"] == "ORDER_ALREADY_DISPATCHED"
    report = await settled_report(stack, shop.ledger)
    assert report.order_status[order_id] == "SHIPPED"
    assert await shop.balance(customer) == 10_000 - total_of(paid)
    assert (await shop.item(sku))["on_hand"] == STOCK - 1


async def remaining(statuses: AsyncIterator[str]) -> list[str]:
    return [status async for status in statuses]


async def test_event_stream_shows_every_status_from_pending_payment_to_delivered(
    stack: Stack, shop: Shop
) -> None:
    sku = await stocked_item(shop)
    customer = await customer_with(shop, 10_000)
    seen: list[str] = []

    async def next_status(statuses: AsyncIterator[str]) -> str:
        seen.append(await asyncio.wait_for(anext(statuses), EVENT_TIMEOUT))
        return seen[-1]

    # Billing is stopped until the stream is open, so the order surely starts as PENDING_PAYMENT.
    await stop(stack, "billing")
    try:
        order_id = await shop.place_order(customer, {sku: 1})
        async with shop.order_events(order_id, customer) as statuses:
            assert await next_status(statuses) == "PENDING_PAYMENT"
            await restart(stack, "billing")
            assert await next_status(statuses) == "AWAITING_SHIPMENT"
            # Each carrier step waits until the stream has shown the previous status: none is skipped.
            order = await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)
            assert (await shop.dispatch(shipment_id(order))).status_code == 200
            assert await next_status(statuses) == "SHIPPED"
            assert (await shop.deliver(shipment_id(order))).status_code == 200
            assert await next_status(statuses) == "DELIVERED"
            # DELIVERED is final: the edge ends the stream.
            assert await asyncio.wait_for(remaining(statuses), EVENT_TIMEOUT) == []
    finally:
        await ensure_running(stack, "billing")

    assert seen == ["PENDING_PAYMENT", "AWAITING_SHIPMENT", "SHIPPED", "DELIVERED"]
    await settled_report(stack, shop.ledger)
