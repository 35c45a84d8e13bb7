"""Translation between table rows and domain objects; the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shipping.domain import CancellationReason, PostalAddress, Shipment, ShipmentStatus, StatusChange
from shipping.store.tables import shipment_history

ADDRESS_COLUMNS = {
    "ship_name": "name",
    "ship_line1": "line1",
    "ship_line2": "line2",
    "ship_city": "city",
    "ship_postal_code": "postal_code",
    "ship_country": "country",
}


def shipment_to_row(s: Shipment) -> dict[str, Any]:
    row: dict[str, Any] = {
        "shipment_id": s.shipment_id,
        "order_id": s.order_id,
        "customer_id": s.customer_id,
        "total_weight_grams": s.total_weight_grams,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "status": s.status.value,
        "cancel_reason": s.cancellation_reason.value if s.cancellation_reason else None,
        "created_at": s.create_time,
        "updated_at": s.update_time,
    }
    row.update({column: getattr(s.shipping_address, field) for column, field in ADDRESS_COLUMNS.items()})
    return row


def history_rows(s: Shipment) -> list[dict[str, Any]]:
    return [
        {"shipment_id": s.shipment_id, "step": step, "status": c.status.value, "changed_at": c.change_time}
        for step, c in enumerate(s.history)
    ]


def shipment_from_rows(row: Mapping[Any, Any], history: Sequence[Mapping[Any, Any]]) -> Shipment:
    reason = row["cancel_reason"]
    return Shipment(
        shipment_id=row["shipment_id"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        shipping_address=PostalAddress(**{field: row[column] for column, field in ADDRESS_COLUMNS.items()}),
        total_weight_grams=row["total_weight_grams"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        history=tuple(StatusChange(ShipmentStatus(h["status"]), h["changed_at"]) for h in history),
        cancellation_reason=CancellationReason(reason) if reason else None,
        create_time=row["created_at"],
    )


async def history_by_shipment(
    db: AsyncSession | AsyncConnection, shipment_ids: Iterable[str]
) -> Mapping[str, list[RowMapping]]:
    """The history of several shipments in one query, each list oldest first."""
    wanted = list(shipment_ids)
    found: dict[str, list[RowMapping]] = {shipment_id: [] for shipment_id in wanted}
    if not wanted:
        return found
    query = (
        select(shipment_history)
        .where(shipment_history.c.shipment_id.in_(wanted))
        .order_by(shipment_history.c.shipment_id, shipment_history.c.step)
    )
    for entry in (await db.execute(query)).mappings():
        found[entry["shipment_id"]].append(entry)
    return found


async def load_shipments(
    db: AsyncSession | AsyncConnection, rows: Sequence[Mapping[Any, Any]]
) -> list[Shipment]:
    """Complete shipment rows with their history."""
    history = await history_by_shipment(db, [row["shipment_id"] for row in rows])
    return [shipment_from_rows(row, history[row["shipment_id"]]) for row in rows]
