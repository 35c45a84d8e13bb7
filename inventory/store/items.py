"""Item repository: stock changes as single conditional UPDATEs, so concurrent orders cannot oversell."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.domain import Item, ItemAlreadyExists
from inventory.store.rows import item_from_row, item_to_row
from inventory.store.tables import items, stock_movements


class StockInconsistency(RuntimeError):
    """A stock row does not hold what a reservation says it holds: the data needs an operator."""


class SqlItems:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, sku: str) -> Item | None:
        row = (await self._session.execute(select(items).where(items.c.sku == sku))).mappings().first()
        return item_from_row(row) if row else None

    async def get_many(self, skus: Collection[str]) -> dict[str, Item]:
        query = select(items).where(items.c.sku.in_(list(skus)))
        return {row["sku"]: item_from_row(row) for row in (await self._session.execute(query)).mappings()}

    async def add(self, item: Item) -> None:
        try:
            await self._session.execute(insert(items).values(item_to_row(item)))
        except IntegrityError as error:
            raise ItemAlreadyExists(item.sku) from error

    async def change_on_hand(self, sku: str, delta: int, *, now: datetime) -> Item | None:
        return await self._update(
            sku, items.c.on_hand + delta >= items.c.reserved, now, on_hand=items.c.on_hand + delta
        )

    async def hold(self, sku: str, quantity: int, *, now: datetime) -> Item | None:
        # The availability check and the increment are one statement: the row lock (PostgreSQL) or
        # the write lock (SQLite) makes "check then act" atomic, so the last units go to one order.
        available = items.c.on_hand - items.c.reserved >= quantity
        return await self._update(sku, available, now, reserved=items.c.reserved + quantity)

    async def unhold(self, sku: str, quantity: int, *, now: datetime) -> Item:
        held = items.c.reserved >= quantity
        return self._required(sku, await self._update(sku, held, now, reserved=items.c.reserved - quantity))

    async def ship(self, sku: str, quantity: int, *, now: datetime) -> Item:
        held = items.c.reserved >= quantity
        shipped = await self._update(
            sku, held, now, on_hand=items.c.on_hand - quantity, reserved=items.c.reserved - quantity
        )
        return self._required(sku, shipped)

    async def record_movement(self, sku: str, delta: int, reason: str, *, now: datetime) -> None:
        row = {"sku": sku, "delta": delta, "reason": reason, "created_at": now}
        await self._session.execute(insert(stock_movements).values(row))

    async def _update(
        self, sku: str, condition: ColumnElement[bool], now: datetime, **changes: Any
    ) -> Item | None:
        statement = (
            update(items)
            .where(items.c.sku == sku, condition)
            .values(updated_at=now, **changes)
            .returning(*items.c)
        )
        row = (await self._session.execute(statement)).mappings().first()
        return item_from_row(row) if row else None

    @staticmethod
    def _required(sku: str, item: Item | None) -> Item:
        if item is None:
            raise StockInconsistency(f"item {sku} does not hold the reserved units it should")
        return item
