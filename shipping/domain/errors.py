"""Shipping's errors: plain exceptions named for what happened; the gRPC layer owns their status codes."""

from __future__ import annotations

from collections.abc import Sequence


class ShippingError(Exception):
    """Base of every error shipping reports to its callers."""


class InvalidRequest(ShippingError):
    """The request breaks a rule of its own; `violations` names each field and what is wrong with it."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in self.violations))


class Unshippable(ShippingError):
    """The rate table has no rate for this destination, weight or currency."""

    def __init__(self, message: str, **facts: str) -> None:
        self.metadata = dict(facts)
        super().__init__(message)


class ShipmentNotFound(ShippingError):
    def __init__(self, shipment_id: str) -> None:
        self.metadata = {"shipment_id": shipment_id}
        super().__init__(f"no shipment with id {shipment_id}")


class NoShipmentForOrder(ShippingError):
    """The order is not paid yet, was cancelled before it was paid, or is unknown."""

    def __init__(self, order_id: str) -> None:
        self.metadata = {"order_id": order_id}
        super().__init__(f"order {order_id} has no shipment")


class _RefusedMove(ShippingError):
    """A shipment cannot take the asked step from the status it is in."""

    summary = ""

    def __init__(self, shipment_id: str) -> None:
        self.shipment_id = shipment_id
        self.metadata = {"shipment_id": shipment_id}
        super().__init__(f"shipment {shipment_id} {self.summary}")


class ShipmentCancelled(_RefusedMove):
    summary = "was cancelled; it can no longer be dispatched or delivered"


class ShipmentAlreadyDelivered(_RefusedMove):
    summary = "was already delivered"


class ShipmentNotDispatched(_RefusedMove):
    summary = "has not been dispatched yet; only a dispatched shipment can be delivered"


class OrderAlreadyDispatched(ShippingError):
    """Dispatch cannot be undone: an order whose shipment left the warehouse cannot be cancelled."""

    def __init__(self, order_id: str, shipment_id: str) -> None:
        self.order_id = order_id
        self.metadata = {"order_id": order_id, "shipment_id": shipment_id}
        super().__init__(f"order {order_id} was already dispatched; it can no longer be cancelled")
