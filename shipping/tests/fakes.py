"""In-memory stand-ins for the store's ports, with the same all-or-nothing transaction semantics."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from shipping.domain import (
    Cancellation,
    CancellationReason,
    DomainEvent,
    Shipment,
    ShipmentStatus,
    StatusChange,
)
from shipping.use_cases import LockedOrder, Page


@dataclass
class State:
    """What a database would hold; only a committed unit of work changes it."""

    shipments: dict[str, Shipment] = field(default_factory=dict)
    # Every order shipping has heard of, with its cancellation once there is one.
    orders: dict[str, Cancellation | None] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list)

    def copy(self) -> State:
        return State(dict(self.shipments), dict(self.orders), set(self.inbox), [])


class FakeShipments:
    def __init__(self, state: State) -> None:
        self._state = state

    async def get(self, shipment_id: str) -> Shipment | None:
        return self._state.shipments.get(shipment_id)

    async def for_order(self, order_id: str) -> Shipment | None:
        return next((s for s in self._state.shipments.values() if s.order_id == order_id), None)

    async def add(self, shipment: Shipment) -> None:
        assert await self.for_order(shipment.order_id) is None, (
            "the store's unique order_id would refuse this"
        )
        self._state.shipments[shipment.shipment_id] = shipment

    async def transition(
        self,
        shipment_id: str,
        *,
        old: ShipmentStatus,
        new: ShipmentStatus,
        now: datetime,
        reason: CancellationReason | None = None,
    ) -> bool:
        found = self._state.shipments.get(shipment_id)
        if found is None or found.status is not old:
            return False
        history = (*found.history, StatusChange(new, now))
        self._state.shipments[shipment_id] = replace(found, history=history, cancellation_reason=reason)
        return True


class FakeOrders:
    def __init__(self, state: State) -> None:
        self._state = state

    async def lock(self, order_id: str, customer_id: str) -> LockedOrder:
        created = order_id not in self._state.orders
        return LockedOrder(created, self._state.orders.setdefault(order_id, None))

    async def cancel(self, cancellation: Cancellation) -> None:
        assert cancellation.order_id in self._state.orders, "lock() creates the order row first"
        self._state.orders[cancellation.order_id] = cancellation


class FakeUnitOfWork:
    """Works on a copy of the state and writes it back only on commit, like a rolled-back transaction."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.commits = 0
        self._work = state.copy()

    @property
    def shipments(self) -> FakeShipments:
        return FakeShipments(self._work)

    @property
    def orders(self) -> FakeOrders:
        return FakeOrders(self._work)

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
        self.state.shipments, self.state.orders = self._work.shipments, self._work.orders
        self.state.inbox = self._work.inbox
        self.state.events.extend(staged)
        self._work = self.state.copy()
        self.commits += 1


class FakeQueries:
    def __init__(self, state: State) -> None:
        self._state = state
        self.reads = 0

    async def shipment(self, shipment_id: str) -> Shipment | None:
        self.reads += 1
        return self._state.shipments.get(shipment_id)

    async def shipment_for_order(self, order_id: str) -> Shipment | None:
        return next((s for s in self._state.shipments.values() if s.order_id == order_id), None)

    async def shipments(
        self, *, status: ShipmentStatus | None, customer_id: str | None, after: int | None, limit: int
    ) -> Page[Shipment, int]:
        # Insertion order stands in for the store's sequence number.
        numbered = [
            (n, s)
            for n, s in enumerate(self._state.shipments.values())
            if status in (None, s.status) and customer_id in (None, s.customer_id)
        ]
        rest = [(n, s) for n, s in numbered if after is None or n > after]
        page = rest[:limit]
        return Page([s for _, s in page], page[-1][0] if len(rest) > limit else None)


class SilentSignal:
    """A change signal that never fires: what a watcher sees of a change made by another replica."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll period, not an I/O timeout
        self.waits.append(timeout)


class SilentFeed:
    def __init__(self) -> None:
        self.signal = SilentSignal()

    @contextlib.contextmanager
    def watch(self, shipment_id: str) -> Iterator[SilentSignal]:
        yield self.signal


__all__ = ["FakeQueries", "FakeUnitOfWork", "SilentFeed", "State"]
