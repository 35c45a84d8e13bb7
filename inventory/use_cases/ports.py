"""The ports the use cases depend on: storage (SQL in the store) and shipping's cancellation (gRPC).

Unit tests implement them with fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from inventory.domain import CancelledOrder, DomainEvent, Item, Reservation, ReservationStatus

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Page(Generic[T, K]):
    """One page of a listing and the key to continue after it (None on the last page)."""

    entries: Sequence[T]
    next_key: K | None


class DuplicateOrderId(Exception):
    """Another transaction stored this order id first (a reservation or a cancellation)."""


class ItemStore(Protocol):
    async def get(self, sku: str) -> Item | None: ...

    async def get_many(self, skus: Collection[str]) -> dict[str, Item]: ...

    async def add(self, item: Item) -> None:
        """Store a new item; ItemAlreadyExists if the SKU is taken."""

    async def change_on_hand(self, sku: str, delta: int, *, now: datetime) -> Item | None:
        """Add `delta` to on_hand unless that drops it below reserved; None if refused or unknown."""

    async def hold(self, sku: str, quantity: int, *, now: datetime) -> Item | None:
        """Reserve `quantity` units atomically if that many are available; None otherwise."""

    async def unhold(self, sku: str, quantity: int, *, now: datetime) -> Item:
        """Give `quantity` reserved units back to availability."""

    async def ship(self, sku: str, quantity: int, *, now: datetime) -> Item:
        """Remove `quantity` reserved units from stock for good (on_hand and reserved both drop)."""

    async def record_movement(self, sku: str, delta: int, reason: str, *, now: datetime) -> None:
        """Append to the item's stock movement history."""


class ReservationStore(Protocol):
    async def find(self, order_id: str) -> Reservation | CancelledOrder | None: ...

    async def add(self, reservation: Reservation) -> None:
        """Store a new reservation; DuplicateOrderId if the order id is already taken."""

    async def add_cancelled(self, order: CancelledOrder) -> None:
        """Remember an order cancelled before it reserved; DuplicateOrderId if the order id is taken."""

    async def transition(
        self, order_id: str, *, old: ReservationStatus, new: ReservationStatus, now: datetime
    ) -> bool:
        """Move the reservation from `old` to `new` atomically; False if it is not in `old`."""


@dataclass(frozen=True)
class ExpiredReservation:
    """A reservation past its expire time that saw no payment outcome: the order should be cancelled."""

    order_id: str
    customer_id: str
    expire_time: datetime


class ExpiryStore(Protocol):
    """The bookkeeping of reservation expiry: which orders were paid, which were asked to cancel."""

    async def mark_paid(self, order_id: str, *, now: datetime) -> bool:
        """Record the payment of a reservation; False if none exists or its payment is already known."""

    async def claim_expired(
        self, *, now: datetime, asked_before: datetime, limit: int
    ) -> Sequence[ExpiredReservation]:
        """Up to `limit` RESERVED, unpaid reservations expired by `now` and not asked since `asked_before`.

        Each is marked as asked at `now`, so a concurrent sweep (another replica) does not claim it too.
        """

    async def release_claims(self, order_ids: Collection[str], *, claimed_at: datetime) -> None:
        """Forget the claims made at `claimed_at`, so the next sweep asks again."""


class UnitOfWork(Protocol):
    """One transaction: repositories, an inbox for consumed events and staged domain events."""

    @property
    def items(self) -> ItemStore: ...

    @property
    def reservations(self) -> ReservationStore: ...

    @property
    def expiry(self) -> ExpiryStore: ...

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
    """Read-only access for the lookups and listings; no transaction is held beyond one read."""

    async def item(self, sku: str) -> Item | None: ...

    async def items(self, *, after: str | None, limit: int) -> Page[Item, str]: ...

    async def reservation(self, order_id: str) -> Reservation | None: ...

    async def reservations(
        self, *, customer_id: str | None, before: int | None, limit: int
    ) -> Page[Reservation, int]: ...


class ShippingUnavailable(Exception):
    """Shipping could not be asked (unreachable, too slow, failing); ask again at the next sweep."""


class CancellationRefused(Exception):
    """Shipping answered and will not cancel the order: it was dispatched already."""


class OrderCancellations(Protocol):
    """Shipping, the arbiter of cancellation: the only way an order is cancelled."""

    async def cancel_expired(self, order_id: str, customer_id: str) -> None:
        """Ask shipping to cancel an order whose reservation expired; idempotent on shipping's side.

        CancellationRefused if shipping refuses, ShippingUnavailable if it could not answer.
        """
