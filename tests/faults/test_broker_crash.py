"""nats-server killed with -9 in mid-flow and restarted on its store: every order still completes."""

from __future__ import annotations

import pytest

from chassis.testing import eventually
from scripts.devstack import Stack
from tests.faults.control import frozen, kill, restart
from tests.faults.settle import settled_report
from tests.faults.shop import Shop
from tests.faults.waves import STOCK_RESERVED, all_awaiting_shipment, holding, open_market, place_wave

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


async def test_orders_placed_around_a_broker_crash_all_complete(stack: Stack, shop: Shop) -> None:
    market = await open_market(shop)
    # The broker dies while billing holds the first wave (waiting for quotes from a frozen shipping):
    # those orders' acks and payment events have to get through a broker that restarts from its store.
    async with frozen(stack, "shipping"):
        first = await place_wave(shop, market, 4)
        await eventually(lambda: holding(stack, "billing", STOCK_RESERVED, 4), timeout=30)
        await kill(stack, "nats")
    # Accepted without a broker: inventory's outbox keeps their events until NATS is back.
    second = await place_wave(shop, market, 3)

    await restart(stack, "nats")
    await all_awaiting_shipment(shop, first + second)

    report = await settled_report(stack, shop.ledger)
    assert all(report.order_status[order_id] == "AWAITING_SHIPMENT" for order_id in first + second)
