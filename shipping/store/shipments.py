"""Shipment repository: every status change is one conditional UPDATE, so concurrent moves have one winner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chassis.prepared import PreparedStatement
from shipping.domain import CancellationReason, Shipment, ShipmentStatus
from shipping.store.rows import history_rows, load_shipments, shipment_to_row
from shipping.store.tables import shipment_history, shipments

_s = shipments.c
# Built once: building a statement cost about as much CPU as executing it.
_BY_ID = PreparedStatement(select(shipments).where(_s.shipment_id == bindparam("b_key")))
_BY_ORDER = PreparedStatement(select(shipments).where(_s.order_id == bindparam("b_key")))
_INSERT = PreparedStatement(insert(shipments))
_INSERT_HISTORY = PreparedStatement(insert(shipment_history))


class SqlShipments:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def get(self, shipment_id: str) -> Shipment | None:
        return await self._one(_BY_ID, shipment_id)

    async def for_order(self, order_id: str) -> Shipment | None:
        return await self._one(_BY_ORDER, order_id)

    async def add(self, shipment: Shipment) -> None:
        await _INSERT.execute(self._db, shipment_to_row(shipment))
        await _INSERT_HISTORY.execute_many(self._db, history_rows(shipment))

    async def transition(
        self,
        shipment_id: str,
        *,
        old: ShipmentStatus,
        new: ShipmentStatus,
        now: datetime,
        reason: CancellationReason | None = None,
    ) -> bool:
        # The status check and the change are one statement: on PostgreSQL the second of two
        # concurrent updates waits for the first, re-checks the condition and matches nothing.
        statement = (
            update(shipments)
            .where(shipments.c.shipment_id == shipment_id, shipments.c.status == old.value)
            .values(status=new.value, updated_at=now, cancel_reason=reason.value if reason else None)
            .returning(shipments.c.seq)
        )
        if (await self._db.execute(statement)).first() is None:
            return False
        await self._append_history(shipment_id, new, now)
        return True

    async def _append_history(self, shipment_id: str, status: ShipmentStatus, now: datetime) -> None:
        # Safe without a lock of its own: the conditional update above holds the shipment's row.
        steps = select(func.count()).where(shipment_history.c.shipment_id == shipment_id)
        step = (await self._db.execute(steps)).scalar_one()
        row = {"shipment_id": shipment_id, "step": step, "status": status.value, "changed_at": now}
        await self._db.execute(insert(shipment_history).values(row))

    async def _one(self, query: PreparedStatement, key: str) -> Shipment | None:
        row = (await query.execute(self._db, {"b_key": key})).first_mapping()
        if row is None:
            return None
        return (await load_shipments(self._db, [row]))[0]
