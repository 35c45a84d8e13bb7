"""Reservation use cases: reserve an order's stock all-or-nothing and idempotently, read and list them."""

from __future__ import annotations

from datetime import datetime, timedelta

from inventory.domain import (
    CancelledOrder,
    InsufficientStock,
    MixedCurrency,
    OrderAlreadyCancelled,
    OrderIdReused,
    OrderRequest,
    Reservation,
    ReservationNotFound,
    StockReserved,
    UnknownSku,
    low_stock_alert,
    place_reservation,
)
from inventory.use_cases.ports import DuplicateOrderId, Page, Queries, UnitOfWork
from inventory.use_cases.requests import Limits, check_order_id, check_order_request, page_size


async def reserve_stock(
    uow: UnitOfWork, request: OrderRequest, *, limits: Limits, ttl: timedelta, now: datetime
) -> Reservation:
    """Reserve every line or none; a retry of the same request returns the reservation it made."""
    check_order_request(request, limits)
    try:
        return await _reserve(uow, request, ttl=ttl, now=now)
    except DuplicateOrderId:
        # A retry, or a concurrent call with the same order id that committed first: the unique
        # order id decided the race, so answer from what it stored.
        async with uow:
            existing = await uow.reservations.find(request.order_id)
        if existing is None:
            raise
        return _replay(existing, request)


async def _reserve(uow: UnitOfWork, request: OrderRequest, *, ttl: timedelta, now: datetime) -> Reservation:
    async with uow:
        items = await uow.items.get_many({line.sku for line in request.lines})
        try:
            reservation = place_reservation(request, items, now=now, ttl=ttl)
        except (UnknownSku, MixedCurrency, InsufficientStock):
            # A retry is answered from what the first attempt stored, whatever the stock is now.
            existing = await uow.reservations.find(request.order_id)
            if existing is not None:
                return _replay(existing, request)
            raise
        # The order id is claimed before any stock moves, so a duplicate (a retry: DuplicateOrderId,
        # answered by reserve_stock) fails without side effects. Claiming first instead of looking
        # the order id up saves a statement on every new order.
        await uow.reservations.add(reservation)
        # Sorted SKUs: concurrent reservations lock item rows in one global order and cannot deadlock.
        for line in sorted(reservation.lines, key=lambda line: line.sku):
            item = await uow.items.hold(line.sku, line.quantity, now=now)
            if item is None:
                # Another order took the units after our read; the rollback undoes every held line.
                current = await uow.items.get(line.sku)
                raise InsufficientStock(line.sku, line.quantity, current.available if current else 0)
            alert = low_stock_alert(item, available_before=item.available + line.quantity, now=now)
            if alert is not None:
                uow.emit(alert)
        uow.emit(StockReserved(reservation))
        await uow.commit()
    return reservation


def _replay(existing: Reservation | CancelledOrder, request: OrderRequest) -> Reservation:
    if isinstance(existing, CancelledOrder):
        raise OrderAlreadyCancelled(request.order_id)
    if not existing.fulfils(request):
        raise OrderIdReused(request.order_id)
    return existing


async def get_reservation(queries: Queries, order_id: str) -> Reservation:
    check_order_id(order_id)
    reservation = await queries.reservation(order_id)
    if reservation is None:
        raise ReservationNotFound(order_id)
    return reservation


async def list_reservations(
    queries: Queries, *, customer_id: str | None, size: int, before: int | None, limits: Limits
) -> Page[Reservation, int]:
    """Newest first; `before` continues after the last reservation of the previous page."""
    return await queries.reservations(customer_id=customer_id, before=before, limit=page_size(size, limits))
