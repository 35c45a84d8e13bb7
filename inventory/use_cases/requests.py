"""What callers ask the inventory to do, and the checks a request must pass before anything changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from inventory.domain import (
    COUNTRY_PATTERN,
    CURRENCY_PATTERN,
    SKU_PATTERN,
    InvalidRequest,
    Money,
    OrderRequest,
    PostalAddress,
)

# Stock counts stay far below int64 so that sums and products of them cannot overflow a column.
MAX_UNITS = 1_000_000_000
MAX_PRICE_MINOR = 1_000_000_000_000
ADDRESS_LIMITS = {"name": 100, "line1": 200, "line2": 200, "city": 100, "postal_code": 16}


@dataclass(frozen=True)
class Limits:
    """Caps that protect the service from oversized requests; set from the service settings."""

    max_lines_per_order: int = 50
    max_quantity_per_line: int = 1000
    max_page_size: int = 100
    default_page_size: int = 20


@dataclass(frozen=True)
class NewItem:
    sku: str
    name: str
    unit_price: Money
    weight_grams: int
    initial_on_hand: int
    low_stock_threshold: int


@dataclass(frozen=True)
class StockAdjustment:
    sku: str
    delta: int
    reason: str


class Violations:
    """Collects every problem of a request so the caller can fix them all in one round trip."""

    def __init__(self) -> None:
        self._found: list[tuple[str, str]] = []

    def require(self, ok: bool, field: str, problem: str) -> None:
        if not ok:
            self._found.append((field, problem))

    def text(self, value: str, field: str, *, max_length: int, required: bool = True) -> None:
        if required and not value.strip():
            self._found.append((field, "is required"))
        elif len(value) > max_length:
            self._found.append((field, f"must be at most {max_length} characters"))

    def sku(self, value: str, field: str) -> None:
        self.require(bool(SKU_PATTERN.match(value)), field, "must be 3-32 characters of A-Z, 0-9 and '-'")

    def raise_if_any(self) -> None:
        if self._found:
            raise InvalidRequest(self._found)


def check_sku(sku: str) -> None:
    violations = Violations()
    violations.sku(sku, "sku")
    violations.raise_if_any()


def check_order_id(order_id: str) -> None:
    violations = Violations()
    violations.require(is_canonical_uuid(order_id), "order_id", "must be a UUID in lower-case canonical form")
    violations.raise_if_any()


def is_canonical_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_new_item(item: NewItem) -> None:
    v = Violations()
    v.sku(item.sku, "sku")
    v.text(item.name, "name", max_length=200)
    v.require(
        bool(CURRENCY_PATTERN.match(item.unit_price.currency)),
        "unit_price.currency_code",
        "must be a three-letter ISO 4217 code in upper case",
    )
    v.require(
        0 < item.unit_price.amount_minor <= MAX_PRICE_MINOR,
        "unit_price.amount_minor",
        f"must be between 1 and {MAX_PRICE_MINOR}",
    )
    v.require(item.weight_grams > 0, "weight_grams", "must be positive")
    v.require(0 <= item.initial_on_hand <= MAX_UNITS, "initial_on_hand", f"must be between 0 and {MAX_UNITS}")
    v.require(
        0 <= item.low_stock_threshold <= MAX_UNITS,
        "low_stock_threshold",
        f"must be between 0 and {MAX_UNITS}",
    )
    v.raise_if_any()


def check_adjustment(adjustment: StockAdjustment) -> None:
    v = Violations()
    v.sku(adjustment.sku, "sku")
    v.require(adjustment.delta != 0, "delta", "must not be zero")
    v.require(abs(adjustment.delta) <= MAX_UNITS, "delta", f"must be between -{MAX_UNITS} and {MAX_UNITS}")
    v.text(adjustment.reason, "reason", max_length=200)
    v.raise_if_any()


def check_order_request(request: OrderRequest, limits: Limits) -> None:
    v = Violations()
    v.require(is_canonical_uuid(request.order_id), "order_id", "must be a UUID in lower-case canonical form")
    v.text(request.customer_id, "customer_id", max_length=128)
    _check_lines(v, request, limits)
    _check_address(v, request.shipping_address)
    v.raise_if_any()


def _check_lines(v: Violations, request: OrderRequest, limits: Limits) -> None:
    count = len(request.lines)
    v.require(count > 0, "lines", "must contain at least one line")
    v.require(count <= limits.max_lines_per_order, "lines", f"at most {limits.max_lines_per_order} lines")
    seen: set[str] = set()
    for i, line in enumerate(request.lines):
        v.sku(line.sku, f"lines[{i}].sku")
        v.require(line.sku not in seen, f"lines[{i}].sku", "appears in an earlier line; list each SKU once")
        seen.add(line.sku)
        v.require(
            0 < line.quantity <= limits.max_quantity_per_line,
            f"lines[{i}].quantity",
            f"must be between 1 and {limits.max_quantity_per_line}",
        )


def _check_address(v: Violations, address: PostalAddress) -> None:
    for name, max_length in ADDRESS_LIMITS.items():
        value = getattr(address, name)
        v.text(value, f"shipping_address.{name}", max_length=max_length, required=name != "line2")
    v.require(
        bool(COUNTRY_PATTERN.match(address.country)),
        "shipping_address.country",
        "must be an ISO 3166-1 alpha-2 code in upper case, e.g. DE",
    )


def page_size(requested: int, limits: Limits) -> int:
    """0 means the default; anything else must lie within 1..max_page_size."""
    v = Violations()
    v.require(
        0 <= requested <= limits.max_page_size, "page_size", f"must be between 0 and {limits.max_page_size}"
    )
    v.raise_if_any()
    return requested or limits.default_page_size
