"""Inventory's domain events: facts the unit of work stores as outbox messages with the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inventory.domain.model import ReleaseReason, Reservation


@dataclass(frozen=True)
class StockReserved:
    reservation: Reservation


@dataclass(frozen=True)
class ReservationReleased:
    reservation: Reservation
    reason: ReleaseReason
    release_time: datetime


@dataclass(frozen=True)
class ReservationCommitted:
    reservation: Reservation
    commit_time: datetime


@dataclass(frozen=True)
class StockLow:
    sku: str
    available: int
    low_stock_threshold: int
    observe_time: datetime


DomainEvent = StockReserved | ReservationReleased | ReservationCommitted | StockLow
