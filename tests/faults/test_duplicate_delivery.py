"""Every event of the saga delivered twice: no second charge, refund, shipment, release or commit."""

from __future__ import annotations

import pytest

from scripts.devstack import Stack
from tests.faults.duplicates import every_event_twice
from tests.faults.settle import settled_report
from tests.faults.shop import Shop, unique
from tests.faults.waves import FUNDS, STOCK, open_market

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

# One order down each path of the saga, so every event type is published (and copied) at least once.
SAGA_EVENTS = {
    "mercado.inventory.v1.StockReserved",
    "mercado.inventory.v1.ReservationReleased",
    "mercado.inventory.v1.ReservationCommitted",
    "mercado.billing.v1.PaymentCaptured",
    "mercado.billing.v1.PaymentFailed",
    "mercado.billing.v1.PaymentRefunded",
    "mercado.shipping.v1.ShipmentCreated",
    "mercado.shipping.v1.ShipmentDispatched",
    "mercado.shipping.v1.ShipmentDelivered",
    "mercado.shipping.v1.OrderCancelled",
}


async def test_events_delivered_twice_have_one_effect(stack: Stack, shop: Shop) -> None:
    market = await open_market(shop, customers=1)
    [rich] = market.customers
    poor = unique("cust")
    await shop.top_up(poor, 1)

    async with every_event_twice(stack) as copies:
        delivered = await shop.place_order(rich, {market.sku: 2})
        cancelled = await shop.place_order(rich, {market.sku: 3})
        failed = await shop.place_order(poor, {market.sku: 1})
        to_deliver = await shop.wait_for(delivered, "AWAITING_SHIPMENT", with_shipment=True)
        await shop.wait_for(cancelled, "AWAITING_SHIPMENT", with_shipment=True)
        assert (await shop.cancel(cancelled, rich)).status_code == 202
        shipment_id = to_deliver["shipment"]["shipment_id"]
        assert (await shop.dispatch(shipment_id)).status_code == 200
        await shop.wait_for(delivered, "SHIPPED")
        assert (await shop.deliver(shipment_id)).status_code == 200
        await shop.wait_for(delivered, "DELIVERED")
        await shop.wait_for(cancelled, "CANCELLED")
        await shop.wait_for(failed, "PAYMENT_FAILED")
        report = await settled_report(stack, shop.ledger)

    assert set(copies) >= SAGA_EVENTS, f"not copied: {SAGA_EVENTS - set(copies)}"
    statuses = {order_id: report.order_status[order_id] for order_id in (delivered, cancelled, failed)}
    assert statuses == {delivered: "DELIVERED", cancelled: "CANCELLED", failed: "PAYMENT_FAILED"}
    # Charged for the delivered order only, once: the cancelled one was refunded, once.
    delivered_total = to_deliver["totals"]["total"]["amount_minor"]
    assert await shop.balance(rich) == FUNDS - delivered_total
    item = await shop.item(market.sku)
    assert (item["on_hand"], item["reserved"]) == (STOCK - 2, 0)
