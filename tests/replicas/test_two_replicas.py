"""Two replicas of each service on one PostgreSQL and one NATS: every order is processed once, none lost.

Orders go through the edge, which balances over both inventory replicas; billing and inventory call
shipping over a target listing both shipping replicas; both replicas of a service pull from the same
durable consumers and relay from the same outbox. Which replica did the work is read from their logs:
every consumer writes one line per event it handled.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import httpx
import pytest

from scripts.devstack import Stack
from scripts.devstack.plan import replica_name
from scripts.devstack.services import GRPC_SERVICES
from scripts.invariants import Ledger
from tests.faults.settle import settled_report
from tests.faults.shop import Shop, unique
from tests.replicas.conftest import REPLICAS

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

# Three waves of four orders of each kind: 36 orders, every saga path, in bursts and pauses, so that
# both replicas are polling when events arrive (JetStream hands each message to one waiting fetch).
WAVES = 3
PER_KIND = 4
# Then a rush, as under real load: 32 orders in flight at a time from 16 customers, so both replicas
# of each service work through backlogs (several events per fetch) touching the same accounts and items.
RUSH = 160
RUSH_IN_FLIGHT = 32
RUSH_CUSTOMERS = 16
PRICE = 1000
RICH = 1_000_000
STOCK = 1000
POOR = 1  # below any order's total: its payment fails with INSUFFICIENT_FUNDS


async def shipped_order(shop: Shop, customer: str, sku: str) -> str:
    order_id = await shop.place_order(customer, {sku: 1})
    order = await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)
    dispatched = await shop.dispatch(order["shipment"]["shipment_id"])
    assert dispatched.status_code == 200, dispatched.text
    await shop.wait_for(order_id, "SHIPPED")
    return order_id


async def unpaid_order(shop: Shop, customer: str, sku: str) -> str:
    order_id = await shop.place_order(customer, {sku: 1})
    order = await shop.wait_for(order_id, "PAYMENT_FAILED")
    assert order["invoice"]["failure_reason"] == "INSUFFICIENT_FUNDS", order
    return order_id


async def cancelled_order(shop: Shop, customer: str, sku: str, *, at_once: bool) -> str:
    """Cancelled right after the 202 (possibly before billing saw it), or once paid and awaiting shipment."""
    order_id = await shop.place_order(customer, {sku: 1})
    if not at_once:
        await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)
    cancelled = await shop.cancel(order_id, customer)
    assert cancelled.status_code == 202, cancelled.text
    await shop.wait_for(order_id, "CANCELLED")
    return order_id


async def rush(shop: Shop, sku: str, customers: list[str]) -> list[str]:
    """Orders placed as fast as the edge takes them; they settle afterwards (see the invariants)."""
    gate = asyncio.Semaphore(RUSH_IN_FLIGHT)

    async def one(i: int) -> str:
        async with gate:
            return await shop.place_order(customers[i % len(customers)], {sku: 1})

    return list(await asyncio.gather(*(one(i) for i in range(RUSH))))


async def wave(shop: Shop, sku: str, rich: list[str], poor: list[str]) -> dict[str, list[str]]:
    kinds = {
        "SHIPPED": [shipped_order(shop, rich[i % len(rich)], sku) for i in range(PER_KIND)],
        "PAYMENT_FAILED": [unpaid_order(shop, poor[i % len(poor)], sku) for i in range(PER_KIND)],
        "CANCELLED": [
            cancelled_order(shop, rich[i % len(rich)], sku, at_once=i % 2 == 0) for i in range(PER_KIND)
        ],
    }
    results = await asyncio.gather(*(asyncio.gather(*orders) for orders in kinds.values()))
    return dict(zip(kinds, results, strict=True))


def events_handled(log: Path) -> Counter[str]:
    """Per event type, how many events this process's consumers handled (its JSON log lines)."""
    handled: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line from the interpreter itself, not the service's logger
        message = str(record.get("msg", "")) if isinstance(record, dict) else ""
        if str(record.get("logger", "")).endswith(".consumers") and " handled: " in message:
            handled[message.split(" handled: ")[0]] += 1
    return handled


async def test_orders_through_two_replicas_of_each_service_settle_exactly_once(stack: Stack) -> None:
    ledger = Ledger()
    async with httpx.AsyncClient(base_url=stack.endpoints.edge_url, timeout=10.0) as client:
        shop = Shop(client, ledger)
        sku = unique("REPL")
        await shop.create_item(sku, on_hand=STOCK, price_minor=PRICE)
        rich, poor = [unique("rich") for _ in range(RUSH_CUSTOMERS)], [unique("poor") for _ in range(2)]
        await asyncio.gather(*(shop.top_up(c, RICH) for c in rich), *(shop.top_up(c, POOR) for c in poor))

        expected: dict[str, str] = {}
        for _ in range(WAVES):
            for status, order_ids in (await wave(shop, sku, rich, poor)).items():
                expected.update(dict.fromkeys(order_ids, status))
        expected.update(dict.fromkeys(await rush(shop, sku, rich), "AWAITING_SHIPMENT"))

        report = await settled_report(stack, ledger)
        item = await shop.item(sku)
        ready = await client.get("/readyz")

    assert report.ok, str(report)
    assert len(expected) == WAVES * PER_KIND * 3 + RUSH
    assert {order_id: report.order_status[order_id] for order_id in expected} == expected
    # Stock: shipped orders took their units for good, the rush's are still reserved, the rest released.
    assert (item["on_hand"], item["reserved"]) == (STOCK - WAVES * PER_KIND, RUSH)
    assert ready.status_code == 200, ready.text

    for service in GRPC_SERVICES:
        per_replica = {
            replica_name(service.name, i, REPLICAS): events_handled(
                stack.endpoints.log_dir / f"{replica_name(service.name, i, REPLICAS)}.log"
            )
            for i in range(1, REPLICAS + 1)
        }
        idle = [name for name, handled in per_replica.items() if not handled]
        assert not idle, f"{idle} handled no event; per replica: {per_replica}"
