"""Shipping down while billing needs a quote: the order waits in PENDING_PAYMENT, then completes."""

from __future__ import annotations

import pytest

from chassis.testing import eventually
from scripts.devstack import Stack
from tests.faults.control import kill, restart
from tests.faults.settle import consumer_info, settled_report
from tests.faults.shop import Shop
from tests.faults.waves import open_market, place_wave

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

STOCK_RESERVED = "mercado.inventory.v1.StockReserved"


async def billing_retried(stack: Stack) -> bool:
    """The broker redelivered a StockReserved to billing: it asked for a quote, failed, and backed off."""
    info = await consumer_info(stack, "billing", STOCK_RESERVED)
    return bool(info.num_redelivered)


async def test_order_waits_for_shipping_quote_and_completes_when_shipping_returns(
    stack: Stack, shop: Shop
) -> None:
    market = await open_market(shop, customers=1)
    await kill(stack, "shipping")

    [order_id] = await place_wave(shop, market, 1)
    await eventually(lambda: billing_retried(stack), timeout=30, message="billing never retried")
    waiting = await shop.order(order_id)
    assert waiting["status"] == "PENDING_PAYMENT"
    assert "invoice" not in waiting

    await restart(stack, "shipping")
    completed = await shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True)

    assert completed["invoice"]["status"] == "PAID"
    await settled_report(stack, shop.ledger)
