"""Inventory's business rules: how an order's demand becomes a reservation, when stock counts as low."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from inventory.domain.errors import InsufficientStock, MixedCurrency, UnknownSku
from inventory.domain.events import StockLow
from inventory.domain.model import Item, OrderRequest, Reservation, ReservationLine, ReservationStatus


def place_reservation(
    request: OrderRequest, items: Mapping[str, Item], *, now: datetime, ttl: timedelta
) -> Reservation:
    """Snapshot prices and weights for every line, or raise if any line cannot be reserved as asked."""
    unknown = [
        (f"lines[{i}].sku", f"no item has SKU {line.sku}")
        for i, line in enumerate(request.lines)
        if line.sku not in items
    ]
    if unknown:
        raise UnknownSku(unknown)
    currencies = sorted({items[line.sku].unit_price.currency for line in request.lines})
    if len(currencies) > 1:
        raise MixedCurrency(currencies)
    for line in request.lines:
        if items[line.sku].available < line.quantity:
            raise InsufficientStock(line.sku, line.quantity, items[line.sku].available)
    lines = tuple(
        ReservationLine(line.sku, line.quantity, items[line.sku].unit_price, items[line.sku].weight_grams)
        for line in request.lines
    )
    return Reservation(
        order_id=request.order_id,
        customer_id=request.customer_id,
        currency=currencies[0],
        lines=lines,
        shipping_address=request.shipping_address,
        status=ReservationStatus.RESERVED,
        create_time=now,
        update_time=now,
        expire_time=now + ttl,
    )


def low_stock_alert(item: Item, *, available_before: int, now: datetime) -> StockLow | None:
    """StockLow fires once per downward crossing: availability was above the threshold and no longer is.

    Reserving again while already below the threshold stays silent; once a restock or release lifts
    availability above it, the next drop fires again.
    """
    if available_before > item.low_stock_threshold >= item.available:
        return StockLow(item.sku, item.available, item.low_stock_threshold, now)
    return None
