"""A crash between the database commit and the publish: after the restart the outbox relay publishes.

Inventory and billing are restarted with the fault point `relay.crash_before_publish` on: each exits
with status 137 when its relay first finds committed, unpublished events. Inventory dies right after
committing the order's reservation (possibly before answering the edge), billing right after
committing the payment. Restarted without the fault, each relay publishes what it had committed.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from chassis.testing import eventually
from scripts.devstack import Stack
from tests.faults.control import process, restart, stop, wait_exited
from tests.faults.settle import settled_report
from tests.faults.shop import RETRY_TIMEOUT, TRANSIENT, Shop
from tests.faults.waves import open_market

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

CRASHED = 137


async def arm_crash_before_publish(stack: Stack, name: str, fault_dir: Path) -> None:
    await stop(stack, name)
    env = {"MERCADO_FAULT": "relay.crash_before_publish", "MERCADO_FAULT_DIR": str(fault_dir / name)}
    await restart(stack, name, extra_env=env)


async def test_events_committed_before_a_relay_crash_are_published_after_restart(
    stack: Stack, shop: Shop, tmp_path: Path
) -> None:
    market = await open_market(shop, customers=1)
    [customer] = market.customers
    for name in ("inventory", "billing"):
        await arm_crash_before_publish(stack, name, tmp_path)
    key = str(uuid.uuid4())

    # The edge may still be reconnecting to the restarted inventory (503 before inventory saw the order):
    # post again with the key until inventory took the order, which it shows by crashing. The edge may
    # or may not get inventory's answer before that; the client retries with its key below.
    first: dict[str, object] | None = None

    async def taken() -> bool:
        nonlocal first
        if process(stack, "inventory").returncode is not None:
            return True
        response = await shop.post_order(customer, {market.sku: 1}, idempotency_key=key)
        if response.status_code == 202 and first is None:
            first = response.json()
        return response.status_code not in TRANSIENT

    await eventually(taken, timeout=RETRY_TIMEOUT, interval=0.2, message="inventory never took the order")
    assert await wait_exited(stack, "inventory") == CRASHED
    await restart(stack, "inventory")
    order_id = await shop.place_order(customer, {market.sku: 1}, idempotency_key=key)
    if first is not None:
        assert first["order_id"] == order_id
    # StockReserved got out: billing charged the order, committed, and crashed before publishing.
    assert await wait_exited(stack, "billing") == CRASHED
    await restart(stack, "billing")

    completed = await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)
    assert completed["invoice"]["status"] == "PAID"
    report = await settled_report(stack, shop.ledger)
    assert report.order_status[order_id] == "AWAITING_SHIPMENT"
    assert (tmp_path / "inventory" / "relay.crash_before_publish").exists()
    assert (tmp_path / "billing" / "relay.crash_before_publish").exists()
