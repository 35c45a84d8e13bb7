"""Orders in waves for the fault tests: a stocked SKU, funded customers, and orders placed concurrently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from scripts.devstack import Stack
from tests.faults.settle import consumer_info
from tests.faults.shop import Shop, unique

STOCK = 100
PRICE = 1000
# Far above what a handful of small orders cost, so every payment is captured.
FUNDS = 100_000
STOCK_RESERVED = "mercado.inventory.v1.StockReserved"


@dataclass(frozen=True)
class Market:
    """One SKU and a few funded customers of one test."""

    sku: str
    customers: tuple[str, ...]


async def open_market(shop: Shop, customers: int = 3) -> Market:
    sku = unique("FAULT")
    await shop.create_item(sku, on_hand=STOCK, price_minor=PRICE)
    names = tuple(unique("cust") for _ in range(customers))
    await asyncio.gather(*(shop.top_up(name, FUNDS) for name in names))
    return Market(sku, names)


async def place_wave(shop: Shop, market: Market, count: int) -> list[str]:
    """`count` one-unit orders at once, spread over the market's customers."""
    customers = [market.customers[i % len(market.customers)] for i in range(count)]
    return list(await asyncio.gather(*(shop.place_order(c, {market.sku: 1}) for c in customers)))


async def holding(stack: Stack, service: str, event_type: str, count: int) -> bool:
    """True once `service` has at least `count` events of the type delivered and not yet acknowledged."""
    info = await consumer_info(stack, service, event_type)
    return (info.num_ack_pending or 0) >= count


async def all_awaiting_shipment(shop: Shop, order_ids: list[str]) -> None:
    """Every order paid and its shipment created (fails after the shop's settle timeout)."""
    await asyncio.gather(
        *(shop.wait_for(order_id, "AWAITING_SHIPMENT", with_shipment=True) for order_id in order_ids)
    )
