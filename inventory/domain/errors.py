"""Inventory's errors: plain exceptions named for what happened; the gRPC layer owns their status codes."""

from __future__ import annotations

from collections.abc import Sequence

from inventory.domain.model import ReservationStatus


class InventoryError(Exception):
    """Base of every error the inventory reports to its callers."""


class InvalidRequest(InventoryError):
    """The request breaks a rule of its own; `violations` names each field and what is wrong with it."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in self.violations))


class UnknownSku(InvalidRequest):
    """An order line names a SKU the catalogue does not have."""


class ItemNotFound(InventoryError):
    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"no item with SKU {sku}")


class ItemAlreadyExists(InventoryError):
    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"an item with SKU {sku} already exists")


class StockBelowReserved(InventoryError):
    def __init__(self, sku: str, delta: int, available: int) -> None:
        self.sku, self.delta, self.available = sku, delta, available
        self.metadata = {"sku": sku, "available": str(available)}
        super().__init__(f"cannot remove {-delta} units of {sku}: only {available} are not reserved")


class InsufficientStock(InventoryError):
    def __init__(self, sku: str, requested: int, available: int) -> None:
        self.sku, self.requested, self.available = sku, requested, available
        self.metadata = {"sku": sku, "requested": str(requested), "available": str(available)}
        super().__init__(f"insufficient stock for {sku}: requested {requested}, available {available}")


class MixedCurrency(InventoryError):
    def __init__(self, currencies: Sequence[str]) -> None:
        self.currencies = tuple(currencies)
        super().__init__(f"an order must be in one currency; its items are priced in {', '.join(currencies)}")


class ReservationNotFound(InventoryError):
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"no reservation for order {order_id}")


class OrderIdReused(InventoryError):
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"order {order_id} already has a reservation for a different request")


class OrderAlreadyCancelled(InventoryError):
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"order {order_id} was cancelled; it can no longer reserve stock")


class ReservationNotReserved(InventoryError):
    """A reservation cannot take a step its status does not allow (e.g. commit after release)."""

    def __init__(self, order_id: str, status: ReservationStatus) -> None:
        self.order_id, self.status = order_id, status
        super().__init__(f"reservation of order {order_id} is {status.value}, not RESERVED")
