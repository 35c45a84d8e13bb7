"""The ports the use cases depend on: storage (SQL in the store, fakes in unit tests) and change signals."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from shipping.domain import (
    Cancellation,
    CancellationReason,
    DomainEvent,
    Shipment,
    ShipmentStatus,
)

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Page(Generic[T, K]):
    """One page of a listing and the key to continue after it (None on the last page)."""

    entries: Sequence[T]
    next_key: K | None


class ShipmentStore(Protocol):
    async def get(self, shipment_id: str) -> Shipment | None: ...

    async def for_order(self, order_id: str) -> Shipment | None: ...

    async def add(self, shipment: Shipment) -> None:
        """Store a new PENDING shipment with its first history entry."""

    async def transition(
        self,
        shipment_id: str,
        *,
        old: ShipmentStatus,
        new: ShipmentStatus,
        now: datetime,
        reason: CancellationReason | None = None,
    ) -> bool:
        """Move the shipment from `old` to `new` in one conditional update and append the history entry.

        False, and no change, when the shipment is not in `old` (or does not exist): of two concurrent
        moves from the same status exactly one succeeds.
        """


@dataclass(frozen=True)
class LockedOrder:
    """What taking an order's lock found: whether the row is new, and its recorded cancellation."""

    created: bool
    cancellation: Cancellation | None


class OrderStore(Protocol):
    async def lock(self, order_id: str, customer_id: str) -> LockedOrder:
        """Take the order's row lock (creating the row if new) until the transaction ends.

        Creating a shipment and cancelling an order both start here, so the two serialise per order.
        A row created here has no cancellation and no shipment yet.
        """

    async def cancel(self, cancellation: Cancellation) -> None:
        """Record the cancellation on the order locked by `lock`."""


class UnitOfWork(Protocol):
    """One transaction: the stores, an inbox for consumed events and staged domain events."""

    @property
    def shipments(self) -> ShipmentStore: ...

    @property
    def orders(self) -> OrderStore: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def claim(self, consumer: str, event_id: str) -> bool:
        """Record that `consumer` handled `event_id` in this transaction; False if it already did."""

    def emit(self, event: DomainEvent) -> None:
        """Stage an event; it is stored with the changes when the unit of work commits."""

    async def commit(self) -> None: ...


class Queries(Protocol):
    """Read-only lookups and listings; no transaction is held beyond one read."""

    async def shipment(self, shipment_id: str) -> Shipment | None: ...

    async def shipment_for_order(self, order_id: str) -> Shipment | None: ...

    async def shipments(
        self, *, status: ShipmentStatus | None, customer_id: str | None, after: int | None, limit: int
    ) -> Page[Shipment, int]:
        """Oldest first; `after` is the key of the last shipment of the previous page."""


class ChangeSignal(Protocol):
    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll period, not an I/O timeout
        """Return when the watched shipment may have changed, or after `timeout` seconds at the latest."""


class ChangeFeed(Protocol):
    """Tells watchers that a shipment's status changed (after the change was committed)."""

    def watch(self, shipment_id: str) -> AbstractContextManager[ChangeSignal]: ...
