"""In-memory stand-ins for the store's ports, with the same all-or-nothing transaction semantics."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from inventory.domain import (
    CancelledOrder,
    DomainEvent,
    Item,
    ItemAlreadyExists,
    Reservation,
    ReservationStatus,
)
from inventory.use_cases import DuplicateOrderId, ExpiredReservation, Page


@dataclass
class State:
    """What a database would hold; only a committed unit of work changes it."""

    items: dict[str, Item] = field(default_factory=dict)
    orders: dict[str, Reservation | CancelledOrder] = field(default_factory=dict)
    movements: list[tuple[str, int, str]] = field(default_factory=list)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list)
    # Expiry bookkeeping by order id: when it was paid, when the sweep asked to cancel it.
    paid: dict[str, datetime] = field(default_factory=dict)
    asked: dict[str, datetime] = field(default_factory=dict)

    def copy(self) -> State:
        return State(
            dict(self.items),
            dict(self.orders),
            list(self.movements),
            set(self.inbox),
            [],
            dict(self.paid),
            dict(self.asked),
        )


class FakeItems:
    def __init__(self, state: State) -> None:
        self._state = state

    async def get(self, sku: str) -> Item | None:
        return self._state.items.get(sku)

    async def get_many(self, skus: Collection[str]) -> dict[str, Item]:
        return {sku: self._state.items[sku] for sku in skus if sku in self._state.items}

    async def add(self, item: Item) -> None:
        if item.sku in self._state.items:
            raise ItemAlreadyExists(item.sku)
        self._state.items[item.sku] = item

    async def change_on_hand(self, sku: str, delta: int, *, now: datetime) -> Item | None:
        item = self._state.items.get(sku)
        if item is None or item.on_hand + delta < item.reserved:
            return None
        return self._put(replace(item, on_hand=item.on_hand + delta, update_time=now))

    async def hold(self, sku: str, quantity: int, *, now: datetime) -> Item | None:
        item = self._state.items[sku]
        if item.available < quantity:
            return None
        return self._put(replace(item, reserved=item.reserved + quantity, update_time=now))

    async def unhold(self, sku: str, quantity: int, *, now: datetime) -> Item:
        item = self._state.items[sku]
        return self._put(replace(item, reserved=item.reserved - quantity, update_time=now))

    async def ship(self, sku: str, quantity: int, *, now: datetime) -> Item:
        item = self._state.items[sku]
        changed = replace(item, on_hand=item.on_hand - quantity, reserved=item.reserved - quantity)
        return self._put(replace(changed, update_time=now))

    async def record_movement(self, sku: str, delta: int, reason: str, *, now: datetime) -> None:
        self._state.movements.append((sku, delta, reason))

    def _put(self, item: Item) -> Item:
        self._state.items[item.sku] = item
        return item


class FakeReservations:
    def __init__(self, state: State) -> None:
        self._state = state

    async def find(self, order_id: str) -> Reservation | CancelledOrder | None:
        return self._state.orders.get(order_id)

    async def add(self, reservation: Reservation) -> None:
        self._claim(reservation.order_id, reservation)

    async def add_cancelled(self, order: CancelledOrder) -> None:
        self._claim(order.order_id, order)

    async def transition(
        self, order_id: str, *, old: ReservationStatus, new: ReservationStatus, now: datetime
    ) -> bool:
        found = self._state.orders.get(order_id)
        if not isinstance(found, Reservation) or found.status is not old:
            return False
        self._state.orders[order_id] = replace(found, status=new, update_time=now)
        return True

    def _claim(self, order_id: str, value: Reservation | CancelledOrder) -> None:
        if order_id in self._state.orders:
            raise DuplicateOrderId(order_id)
        self._state.orders[order_id] = value


class FakeExpiry:
    def __init__(self, state: State) -> None:
        self._state = state

    async def mark_paid(self, order_id: str, *, now: datetime) -> bool:
        if not isinstance(self._state.orders.get(order_id), Reservation) or order_id in self._state.paid:
            return False
        self._state.paid[order_id] = now
        return True

    async def claim_expired(
        self, *, now: datetime, asked_before: datetime, limit: int
    ) -> list[ExpiredReservation]:
        held = [r for r in self._state.orders.values() if isinstance(r, Reservation)]
        due = sorted((r for r in held if self._due(r, now, asked_before)), key=lambda r: r.expire_time)
        for reservation in due[:limit]:
            self._state.asked[reservation.order_id] = now
        return [ExpiredReservation(r.order_id, r.customer_id, r.expire_time) for r in due[:limit]]

    async def release_claims(self, order_ids: Collection[str], *, claimed_at: datetime) -> None:
        for order_id in order_ids:
            if self._state.asked.get(order_id) == claimed_at:
                del self._state.asked[order_id]

    def _due(self, found: Reservation | CancelledOrder, now: datetime, asked_before: datetime) -> bool:
        if not isinstance(found, Reservation) or found.status is not ReservationStatus.RESERVED:
            return False
        asked = self._state.asked.get(found.order_id)
        return (
            found.order_id not in self._state.paid
            and found.expire_time <= now
            and (asked is None or asked <= asked_before)
        )


class FakeUnitOfWork:
    """Works on a copy of the state and writes it back only on commit, like a rolled-back transaction."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.commits = 0
        self._work = state.copy()

    @property
    def items(self) -> FakeItems:
        return FakeItems(self._work)

    @property
    def reservations(self) -> FakeReservations:
        return FakeReservations(self._work)

    @property
    def expiry(self) -> FakeExpiry:
        return FakeExpiry(self._work)

    async def __aenter__(self) -> Self:
        self._work = self.state.copy()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work = self.state.copy()

    async def claim(self, consumer: str, event_id: str) -> bool:
        if (consumer, event_id) in self._work.inbox:
            return False
        self._work.inbox.add((consumer, event_id))
        return True

    def emit(self, event: DomainEvent) -> None:
        self._work.events.append(event)

    async def commit(self) -> None:
        staged = self._work.events
        for name in ("items", "orders", "movements", "inbox", "paid", "asked"):
            setattr(self.state, name, getattr(self._work, name))
        self.state.events.extend(staged)
        self._work = self.state.copy()
        self.commits += 1


class FakeQueries:
    def __init__(self, state: State) -> None:
        self._state = state

    async def item(self, sku: str) -> Item | None:
        return self._state.items.get(sku)

    async def items(self, *, after: str | None, limit: int) -> Page[Item, str]:
        skus = sorted(sku for sku in self._state.items if after is None or sku > after)
        page = [self._state.items[sku] for sku in skus[:limit]]
        return Page(page, page[-1].sku if len(skus) > limit else None)

    async def reservation(self, order_id: str) -> Reservation | None:
        found = self._state.orders.get(order_id)
        return found if isinstance(found, Reservation) else None

    async def reservations(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Reservation, int]:
        # Insertion order stands in for the store's sequence number.
        numbered = [
            (n, r)
            for n, r in enumerate(self._state.orders.values())
            if isinstance(r, Reservation) and customer_id in (None, r.customer_id)
        ]
        newest = [(n, r) for n, r in reversed(numbered) if before is None or n < before]
        page = newest[:limit]
        return Page([r for _, r in page], page[-1][0] if len(newest) > limit else None)


__all__ = ["FakeQueries", "FakeUnitOfWork", "State"]
