"""Inventory's entities and value objects: items, orders' demands and reservations; pure Python."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Money:
    """An exact amount in the currency's minor unit; never a float."""

    amount_minor: int
    currency: str

    def times(self, factor: int) -> Money:
        return Money(self.amount_minor * factor, self.currency)


@dataclass(frozen=True)
class PostalAddress:
    """Where an order is shipped to."""

    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class Item:
    """A sellable article and its stock level; `available` can never be negative."""

    sku: str
    name: str
    unit_price: Money
    weight_grams: int
    on_hand: int
    reserved: int
    low_stock_threshold: int
    create_time: datetime
    update_time: datetime

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReservationStatus(enum.Enum):
    """Life cycle of a reservation: RESERVED, then COMMITTED or RELEASED, never back."""

    RESERVED = "RESERVED"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"


class ReleaseReason(enum.Enum):
    """Why reserved stock was given back."""

    PAYMENT_FAILED = "PAYMENT_FAILED"
    ORDER_CANCELLED = "ORDER_CANCELLED"


@dataclass(frozen=True)
class LineRequest:
    """One line of an order's demand: a quantity of one SKU."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class OrderRequest:
    """An order's demand for stock, exactly as the caller sent it."""

    order_id: str
    customer_id: str
    lines: tuple[LineRequest, ...]
    shipping_address: PostalAddress


@dataclass(frozen=True)
class ReservationLine:
    """A reserved line with the unit price and weight snapshotted when it was reserved."""

    sku: str
    quantity: int
    unit_price: Money
    unit_weight_grams: int

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)

    @property
    def weight_grams(self) -> int:
        return self.unit_weight_grams * self.quantity


@dataclass(frozen=True)
class Reservation:
    """The stock held for one order; an order has at most one reservation, always in one currency."""

    order_id: str
    customer_id: str
    currency: str
    lines: tuple[ReservationLine, ...]
    shipping_address: PostalAddress
    status: ReservationStatus
    create_time: datetime
    update_time: datetime
    expire_time: datetime

    @property
    def subtotal(self) -> Money:
        return Money(sum(line.line_total.amount_minor for line in self.lines), self.currency)

    @property
    def total_weight_grams(self) -> int:
        return sum(line.weight_grams for line in self.lines)

    def fulfils(self, request: OrderRequest) -> bool:
        """True when `request` is a retry of the request that created this reservation."""
        asked = tuple((line.sku, line.quantity) for line in request.lines)
        held = tuple((line.sku, line.quantity) for line in self.lines)
        return (
            request.customer_id == self.customer_id
            and asked == held
            and request.shipping_address == self.shipping_address
        )


@dataclass(frozen=True)
class CancelledOrder:
    """An order cancelled before its stock was reserved; its order id can never reserve stock."""

    order_id: str
    cancel_time: datetime
