"""Catalogue use cases: create, read and list items, and adjust their stock."""

from __future__ import annotations

from datetime import datetime

from inventory.domain import Item, ItemNotFound, StockBelowReserved, low_stock_alert
from inventory.use_cases.ports import Page, Queries, UnitOfWork
from inventory.use_cases.requests import (
    Limits,
    NewItem,
    StockAdjustment,
    check_adjustment,
    check_new_item,
    check_sku,
    page_size,
)


async def create_item(uow: UnitOfWork, new: NewItem, *, now: datetime) -> Item:
    check_new_item(new)
    item = Item(
        sku=new.sku,
        name=new.name,
        unit_price=new.unit_price,
        weight_grams=new.weight_grams,
        on_hand=new.initial_on_hand,
        reserved=0,
        low_stock_threshold=new.low_stock_threshold,
        create_time=now,
        update_time=now,
    )
    async with uow:
        await uow.items.add(item)
        if item.on_hand:
            await uow.items.record_movement(item.sku, item.on_hand, "initial stock", now=now)
        await uow.commit()
    return item


async def get_item(queries: Queries, sku: str) -> Item:
    check_sku(sku)
    item = await queries.item(sku)
    if item is None:
        raise ItemNotFound(sku)
    return item


async def list_items(queries: Queries, *, size: int, after: str | None, limits: Limits) -> Page[Item, str]:
    return await queries.items(after=after, limit=page_size(size, limits))


async def adjust_stock(uow: UnitOfWork, adjustment: StockAdjustment, *, now: datetime) -> Item:
    """Restock or shrink; shrinkage may never take units that open reservations hold."""
    check_adjustment(adjustment)
    sku, delta = adjustment.sku, adjustment.delta
    async with uow:
        item = await uow.items.change_on_hand(sku, delta, now=now)
        if item is None:
            current = await uow.items.get(sku)
            if current is None:
                raise ItemNotFound(sku)
            raise StockBelowReserved(sku, delta, current.available)
        await uow.items.record_movement(sku, delta, adjustment.reason, now=now)
        alert = low_stock_alert(item, available_before=item.available - delta, now=now)
        if alert is not None:
            uow.emit(alert)
        await uow.commit()
    return item
