"""Item repository: stock changes as single conditional UPDATEs, so concurrent orders cannot oversell."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.prepared import PreparedStatement
from inventory.domain import Item, ItemAlreadyExists
from inventory.store.rows import item_from_row, item_to_row
from inventory.store.tables import items, stock_movements


class StockInconsistency(RuntimeError):
    """A stock row does not hold what a reservation says it holds: the data needs an operator."""


_i = items.c


def _stock_update(condition: ColumnElement[bool], **changes: Any) -> PreparedStatement:
    """A conditional stock change of one item, returning the row; parameters sku, quantity and now."""
    return PreparedStatement(
        update(items)
        .where(_i.sku == bindparam("b_sku"), condition)
        .values(updated_at=bindparam("b_now"), **changes)
        .returning(*items.c)
    )


# Built once: building a statement cost about as much CPU as executing it.
_QUANTITY = bindparam("b_quantity", type_=BigInteger)
_GET = PreparedStatement(select(items).where(_i.sku == bindparam("b_sku")))
_GET_MANY = PreparedStatement(select(items).where(_i.sku.in_(bindparam("b_skus", expanding=True))))
_INSERT_MOVEMENT = PreparedStatement(insert(stock_movements))
_CHANGE_ON_HAND = _stock_update(_i.on_hand + _QUANTITY >= _i.reserved, on_hand=_i.on_hand + _QUANTITY)
# The availability check and the increment are one statement: the row lock (PostgreSQL) or the
# write lock (SQLite) makes "check then act" atomic, so the last units go to one order.
_HOLD = _stock_update(_i.on_hand - _i.reserved >= _QUANTITY, reserved=_i.reserved + _QUANTITY)
_UNHOLD = _stock_update(_i.reserved >= _QUANTITY, reserved=_i.reserved - _QUANTITY)
_SHIP = _stock_update(
    _i.reserved >= _QUANTITY, on_hand=_i.on_hand - _QUANTITY, reserved=_i.reserved - _QUANTITY
)


class SqlItems:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def get(self, sku: str) -> Item | None:
        row = (await _GET.execute(self._db, {"b_sku": sku})).first_mapping()
        return item_from_row(row) if row else None

    async def get_many(self, skus: Collection[str]) -> dict[str, Item]:
        rows = (await _GET_MANY.execute(self._db, {"b_skus": list(skus)})).mappings()
        return {row["sku"]: item_from_row(row) for row in rows}

    async def add(self, item: Item) -> None:
        try:
            await self._db.execute(insert(items).values(item_to_row(item)))
        except IntegrityError as error:
            raise ItemAlreadyExists(item.sku) from error

    async def change_on_hand(self, sku: str, delta: int, *, now: datetime) -> Item | None:
        return await self._update(_CHANGE_ON_HAND, sku, delta, now)

    async def hold(self, sku: str, quantity: int, *, now: datetime) -> Item | None:
        return await self._update(_HOLD, sku, quantity, now)

    async def unhold(self, sku: str, quantity: int, *, now: datetime) -> Item:
        return self._required(sku, await self._update(_UNHOLD, sku, quantity, now))

    async def ship(self, sku: str, quantity: int, *, now: datetime) -> Item:
        return self._required(sku, await self._update(_SHIP, sku, quantity, now))

    async def record_movement(self, sku: str, delta: int, reason: str, *, now: datetime) -> None:
        row = {"sku": sku, "delta": delta, "reason": reason, "created_at": now}
        await _INSERT_MOVEMENT.execute(self._db, row)

    async def _update(
        self, statement: PreparedStatement, sku: str, quantity: int, now: datetime
    ) -> Item | None:
        parameters = {"b_sku": sku, "b_quantity": quantity, "b_now": now}
        row = (await statement.execute(self._db, parameters)).first_mapping()
        return item_from_row(row) if row else None

    @staticmethod
    def _required(sku: str, item: Item | None) -> Item:
        if item is None:
            raise StockInconsistency(f"item {sku} does not hold the reserved units it should")
        return item
