"""What callers ask shipping to do, and the checks a request must pass before anything changes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from shipping.domain import CancellationReason, InvalidRequest, PostalAddress, ShipmentStatus

COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
MAX_CUSTOMER_ID_LENGTH = 128
# Far above any parcel, far below int64: a sum or product of weights can never overflow a column.
MAX_WEIGHT_GRAMS = 1_000_000_000
ADDRESS_LIMITS = {"name": 100, "line1": 200, "line2": 200, "city": 100, "postal_code": 16}


@dataclass(frozen=True)
class Limits:
    max_page_size: int = 100
    default_page_size: int = 20


@dataclass(frozen=True)
class QuoteRequest:
    destination_country: str
    total_weight_grams: int
    currency: str


@dataclass(frozen=True)
class PaidOrder:
    """What PaymentCaptured tells shipping about an order it must now ship."""

    order_id: str
    customer_id: str
    address: PostalAddress
    total_weight_grams: int


@dataclass(frozen=True)
class CancelRequest:
    order_id: str
    customer_id: str
    reason: CancellationReason | None  # None: the caller named no reason


@dataclass(frozen=True)
class ShipmentFilter:
    status: ShipmentStatus | None
    customer_id: str | None


class Violations:
    """Collects every problem of a request so the caller can fix them all in one round trip."""

    def __init__(self) -> None:
        self._found: list[tuple[str, str]] = []

    def require(self, ok: bool, field: str, problem: str) -> None:
        if not ok:
            self._found.append((field, problem))

    def uuid(self, value: str, field: str) -> None:
        self.require(is_canonical_uuid(value), field, "must be a UUID in lower-case canonical form")

    def text(self, value: str, field: str, *, max_length: int, required: bool = True) -> None:
        if required and not value.strip():
            self._found.append((field, "is required"))
        elif len(value) > max_length:
            self._found.append((field, f"must be at most {max_length} characters"))

    def country(self, value: str, field: str) -> None:
        ok = bool(COUNTRY_PATTERN.match(value))
        self.require(ok, field, "must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE")

    def weight(self, value: int, field: str) -> None:
        ok = 0 < value <= MAX_WEIGHT_GRAMS
        self.require(ok, field, f"must be between 1 and {MAX_WEIGHT_GRAMS} grams")

    def raise_if_any(self) -> None:
        if self._found:
            raise InvalidRequest(self._found)


def is_canonical_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_id(value: str, field: str) -> None:
    v = Violations()
    v.uuid(value, field)
    v.raise_if_any()


def check_quote_request(request: QuoteRequest) -> None:
    v = Violations()
    v.country(request.destination_country, "destination_country")
    v.weight(request.total_weight_grams, "total_weight_grams")
    v.require(
        bool(CURRENCY_PATTERN.match(request.currency)),
        "currency_code",
        "must be a three-letter ISO 4217 code in upper case, e.g. EUR",
    )
    v.raise_if_any()


def check_paid_order(order: PaidOrder) -> None:
    v = Violations()
    v.uuid(order.order_id, "order_id")
    v.text(order.customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH)
    v.weight(order.total_weight_grams, "total_weight_grams")
    for name, max_length in ADDRESS_LIMITS.items():
        value = getattr(order.address, name)
        v.text(value, f"shipping_address.{name}", max_length=max_length, required=name != "line2")
    v.country(order.address.country, "shipping_address.country")
    v.raise_if_any()


def check_cancel_request(request: CancelRequest) -> CancellationReason:
    """The reason of a valid request; InvalidRequest naming every problem otherwise."""
    v = Violations()
    v.uuid(request.order_id, "order_id")
    v.text(request.customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH, required=False)
    v.require(request.reason is not None, "reason", "must name who or what cancels the order")
    v.raise_if_any()
    assert request.reason is not None  # the check above raised otherwise
    return request.reason


def check_filter(selection: ShipmentFilter) -> None:
    v = Violations()
    if selection.customer_id is not None:
        v.text(selection.customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH)
    v.raise_if_any()


def page_size(requested: int, limits: Limits) -> int:
    """0 means the default; anything else must lie within 1..max_page_size."""
    v = Violations()
    v.require(
        0 <= requested <= limits.max_page_size, "page_size", f"must be between 0 and {limits.max_page_size}"
    )
    v.raise_if_any()
    return requested or limits.default_page_size
