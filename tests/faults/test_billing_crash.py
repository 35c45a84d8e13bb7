"""Billing killed with -9 while it charges orders: after its restart every order is charged exactly once."""

from __future__ import annotations

import pytest

from chassis.testing import eventually
from scripts.devstack import Stack
from tests.faults.control import frozen, kill, restart
from tests.faults.settle import settled_report
from tests.faults.shop import Shop
from tests.faults.waves import STOCK_RESERVED, all_awaiting_shipment, holding, open_market, place_wave

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


async def test_orders_placed_around_a_billing_crash_are_each_charged_once(stack: Stack, shop: Shop) -> None:
    market = await open_market(shop)
    # A frozen shipping service leaves billing's handlers waiting for quotes: the kill surely lands
    # while billing holds the first wave's events, delivered and not yet acknowledged.
    async with frozen(stack, "shipping"):
        first = await place_wave(shop, market, 4)
        await eventually(lambda: holding(stack, "billing", STOCK_RESERVED, 4), timeout=30)
        await kill(stack, "billing")
    # Accepted while billing is dead: their StockReserved events wait in the stream.
    second = await place_wave(shop, market, 3)

    await restart(stack, "billing")
    await all_awaiting_shipment(shop, first + second)

    report = await settled_report(stack, shop.ledger)
    assert all(report.order_status[order_id] == "AWAITING_SHIPMENT" for order_id in first + second)
