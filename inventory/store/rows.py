"""Translation between table rows and domain objects; the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, Select, select

from inventory.domain import (
    Item,
    Money,
    PostalAddress,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from inventory.store.tables import reservation_lines

ADDRESS_COLUMNS = {
    "ship_name": "name",
    "ship_line1": "line1",
    "ship_line2": "line2",
    "ship_city": "city",
    "ship_postal_code": "postal_code",
    "ship_country": "country",
}


def item_from_row(row: Mapping[Any, Any]) -> Item:
    return Item(
        sku=row["sku"],
        name=row["name"],
        unit_price=Money(row["unit_price_minor"], row["currency"]),
        weight_grams=row["weight_grams"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
        low_stock_threshold=row["low_stock_threshold"],
        create_time=row["created_at"],
        update_time=row["updated_at"],
    )


def item_to_row(item: Item) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "currency": item.unit_price.currency,
        "unit_price_minor": item.unit_price.amount_minor,
        "weight_grams": item.weight_grams,
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "low_stock_threshold": item.low_stock_threshold,
        "created_at": item.create_time,
        "updated_at": item.update_time,
    }


def reservation_to_rows(r: Reservation) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The reservations row and its line rows."""
    row: dict[str, Any] = {
        "order_id": r.order_id,
        "customer_id": r.customer_id,
        "status": r.status.value,
        "currency": r.currency,
        "created_at": r.create_time,
        "updated_at": r.update_time,
        "expire_at": r.expire_time,
    }
    row.update({column: getattr(r.shipping_address, field) for column, field in ADDRESS_COLUMNS.items()})
    lines = [
        {
            "order_id": r.order_id,
            "line_no": n,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_minor": line.unit_price.amount_minor,
            "unit_weight_grams": line.unit_weight_grams,
        }
        for n, line in enumerate(r.lines)
    ]
    return row, lines


def reservation_from_rows(row: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]) -> Reservation:
    currency = row["currency"]
    return Reservation(
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        currency=currency,
        lines=tuple(
            ReservationLine(
                line["sku"],
                line["quantity"],
                Money(line["unit_price_minor"], currency),
                line["unit_weight_grams"],
            )
            for line in lines
        ),
        shipping_address=PostalAddress(**{field: row[column] for column, field in ADDRESS_COLUMNS.items()}),
        status=ReservationStatus(row["status"]),
        create_time=row["created_at"],
        update_time=row["updated_at"],
        expire_time=row["expire_at"],
    )


def lines_query(order_ids: Iterable[str]) -> Select[Any]:
    """The lines of several reservations in one query, each reservation's lines in request order."""
    return (
        select(reservation_lines)
        .where(reservation_lines.c.order_id.in_(list(order_ids)))
        .order_by(reservation_lines.c.order_id, reservation_lines.c.line_no)
    )


def lines_by_order(order_ids: Iterable[str], rows: Iterable[RowMapping]) -> Mapping[str, list[RowMapping]]:
    found: dict[str, list[RowMapping]] = {order_id: [] for order_id in order_ids}
    for line in rows:
        found[line["order_id"]].append(line)
    return found
