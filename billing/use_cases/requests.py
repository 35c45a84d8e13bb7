"""What callers ask billing to do, and the checks a request or consumed order must pass first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.domain import COUNTRY_PATTERN, CURRENCY_PATTERN, InvalidRequest, Money, ReservedOrder

# One top-up stays far below int64, so balances built from many of them cannot overflow a column.
MAX_TOP_UP_MINOR = 1_000_000_000_000
MAX_CUSTOMER_ID_LENGTH = 128
MAX_IDEMPOTENCY_KEY_LENGTH = 128


@dataclass(frozen=True)
class Limits:
    """Caps that protect the service from oversized requests; set from the service settings."""

    max_page_size: int = 100
    default_page_size: int = 20


@dataclass(frozen=True)
class TopUpRequest:
    customer_id: str
    amount: Money
    idempotency_key: str


class Violations:
    """Collects every problem of a request so the caller can fix them all in one round trip."""

    def __init__(self) -> None:
        self._found: list[tuple[str, str]] = []

    def require(self, ok: bool, field: str, problem: str) -> None:
        if not ok:
            self._found.append((field, problem))

    def text(self, value: str, field: str, *, max_length: int) -> None:
        if not value.strip():
            self._found.append((field, "is required"))
        elif len(value) > max_length:
            self._found.append((field, f"must be at most {max_length} characters"))

    def uuid(self, value: str, field: str) -> None:
        self.require(is_canonical_uuid(value), field, "must be a UUID in lower-case canonical form")

    def raise_if_any(self) -> None:
        if self._found:
            raise InvalidRequest(self._found)


def is_canonical_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_customer_id(customer_id: str) -> None:
    v = Violations()
    v.text(customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH)
    v.raise_if_any()


def check_uuid(value: str, field: str) -> None:
    v = Violations()
    v.uuid(value, field)
    v.raise_if_any()


def check_top_up(request: TopUpRequest) -> None:
    v = Violations()
    v.text(request.customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH)
    v.require(
        bool(CURRENCY_PATTERN.match(request.amount.currency)),
        "amount.currency_code",
        "must be a three-letter ISO 4217 code in upper case",
    )
    v.require(
        0 < request.amount.amount_minor <= MAX_TOP_UP_MINOR,
        "amount.amount_minor",
        f"must be between 1 and {MAX_TOP_UP_MINOR}",
    )
    v.text(request.idempotency_key, "idempotency_key", max_length=MAX_IDEMPOTENCY_KEY_LENGTH)
    v.raise_if_any()


def check_reserved_order(order: ReservedOrder) -> None:
    """A StockReserved that breaks these can never be invoiced: the consumer dead-letters it."""
    v = Violations()
    v.uuid(order.order_id, "order_id")
    v.text(order.customer_id, "customer_id", max_length=MAX_CUSTOMER_ID_LENGTH)
    v.require(bool(order.lines), "lines", "must contain at least one line")
    v.require(bool(CURRENCY_PATTERN.match(order.currency)), "subtotal.currency_code", "must be ISO 4217")
    for i, line in enumerate(order.lines):
        v.require(line.quantity > 0, f"lines[{i}].quantity", "must be positive")
        v.require(line.unit_price.amount_minor >= 0, f"lines[{i}].unit_price", "must not be negative")
        v.require(
            line.unit_price.currency == order.currency, f"lines[{i}].unit_price", "must be in one currency"
        )
    v.require(
        bool(COUNTRY_PATTERN.match(order.shipping_address.country)),
        "shipping_address.country",
        "must be an ISO 3166-1 alpha-2 code in upper case",
    )
    v.require(order.total_weight_grams > 0, "total_weight_grams", "must be positive")
    v.raise_if_any()


def page_size(requested: int, limits: Limits) -> int:
    """0 means the default; anything else must lie within 1..max_page_size."""
    v = Violations()
    v.require(
        0 <= requested <= limits.max_page_size, "page_size", f"must be between 0 and {limits.max_page_size}"
    )
    v.raise_if_any()
    return requested or limits.default_page_size
