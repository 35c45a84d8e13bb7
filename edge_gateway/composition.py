"""Composes the public order view from the parts the services own: reservation, invoice and shipment.

The reservation is the order: without it there is nothing to show, so its failure is the request's
failure. Invoice and shipment are fetched beside it, in parallel, and are optional: NOT_FOUND means
"not yet", and any other failure (UNAVAILABLE, the budget ran out, a broken backend) leaves the part
out and names its service in `degraded` instead of failing the order. Their calls keep a margin of
the budget back so that a hanging service still leaves time to answer. The status is derived by
`edge_gateway.order_status` alone.
"""

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from edge_gateway.clients import BillingClient, InventoryClient, ShippingClient
from edge_gateway.errors import BackendError
from edge_gateway.order_status import ReservationStatus, order_status
from edge_gateway.request_context import RequestContext
from edge_gateway.schemas.orders import OrderStatus
from edge_gateway.translate.billing import invoice_status, invoice_summary_json
from edge_gateway.translate.common import (
    JsonObject,
    address_json,
    known_status,
    money_json,
    timestamp_json,
)
from edge_gateway.translate.inventory import reservation_line_json
from edge_gateway.translate.shipping import shipment_status, shipment_summary_json
from mercado.billing.v1 import billing_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import shipping_pb2

logger = logging.getLogger(__name__)

_Part = TypeVar("_Part")

RESERVATION_STATUS: Mapping[int, ReservationStatus] = {
    inventory_pb2.RESERVATION_STATUS_RESERVED: ReservationStatus.RESERVED,
    inventory_pb2.RESERVATION_STATUS_COMMITTED: ReservationStatus.COMMITTED,
    inventory_pb2.RESERVATION_STATUS_RELEASED: ReservationStatus.RELEASED,
}


class _Unanswered:
    """Marks a part whose service did not answer (as opposed to None: it has no such part yet)."""


UNANSWERED: Final = _Unanswered()


@dataclass(frozen=True, slots=True)
class ComposedOrder:
    """The parts of one order as the services reported them, and which services did not answer."""

    reservation: inventory_pb2.Reservation
    invoice: billing_pb2.Invoice | None = None
    shipment: shipping_pb2.Shipment | None = None
    degraded: tuple[str, ...] = ()

    @property
    def status(self) -> OrderStatus:
        return order_status(
            known_status(RESERVATION_STATUS, self.reservation.status, "reservation"),
            invoice_status(self.invoice) if self.invoice is not None else None,
            shipment_status(self.shipment) if self.shipment is not None else None,
        )


class OrderComposer:
    """Reads the parts of orders from the three services, each call bounded by the request's budget."""

    def __init__(
        self,
        inventory: InventoryClient,
        billing: BillingClient,
        shipping: ShippingClient,
        *,
        margin_seconds: float,
    ) -> None:
        self._inventory = inventory
        self._billing = billing
        self._shipping = shipping
        self._margin = margin_seconds

    async def compose(self, ctx: RequestContext, order_id: str) -> ComposedOrder:
        """One order, its three parts read in parallel; the reservation's failure is raised."""
        try:
            async with asyncio.TaskGroup() as group:
                reservation = group.create_task(self._inventory.get_reservation(ctx, order_id))
                invoice = group.create_task(self._invoice(ctx, order_id))
                shipment = group.create_task(self._shipment(ctx, order_id))
        except ExceptionGroup as failed:
            # Only the reservation's call raises (the optional parts absorb their failures); the
            # group has already cancelled the other calls.
            raise failed.exceptions[0] from None
        return _assemble(reservation.result(), invoice.result(), shipment.result())

    async def complete(self, ctx: RequestContext, reservation: inventory_pb2.Reservation) -> ComposedOrder:
        """Add invoice and shipment to a reservation already read (listing or cancelling orders)."""
        invoice, shipment = await asyncio.gather(
            self._invoice(ctx, reservation.order_id), self._shipment(ctx, reservation.order_id)
        )
        return _assemble(reservation, invoice, shipment)

    async def complete_all(
        self, ctx: RequestContext, reservations: Sequence[inventory_pb2.Reservation]
    ) -> list[ComposedOrder]:
        return list(await asyncio.gather(*(self.complete(ctx, r) for r in reservations)))

    async def _invoice(self, ctx: RequestContext, order_id: str) -> billing_pb2.Invoice | _Unanswered | None:
        call = self._billing.get_invoice_by_order(ctx, order_id, reserve=self._margin)
        return await _optional(ctx, order_id, call)

    async def _shipment(
        self, ctx: RequestContext, order_id: str
    ) -> shipping_pb2.Shipment | _Unanswered | None:
        call = self._shipping.get_shipment_by_order(ctx, order_id, reserve=self._margin)
        return await _optional(ctx, order_id, call)


async def _optional(ctx: RequestContext, order_id: str, call: Awaitable[_Part]) -> _Part | _Unanswered | None:
    try:
        return await call
    except BackendError as exc:
        if exc.code == "NOT_FOUND":
            return None
        fields = {"backend": exc.backend, "code": exc.code, "order_id": order_id}
        logger.warning("order part left out", extra=fields | {"request_id": ctx.request_id})
        return UNANSWERED


def _assemble(
    reservation: inventory_pb2.Reservation,
    invoice: billing_pb2.Invoice | _Unanswered | None,
    shipment: shipping_pb2.Shipment | _Unanswered | None,
) -> ComposedOrder:
    degraded = tuple(
        name for name, part in (("billing", invoice), ("shipping", shipment)) if part is UNANSWERED
    )
    return ComposedOrder(
        reservation,
        None if isinstance(invoice, _Unanswered) else invoice,
        None if isinstance(shipment, _Unanswered) else shipment,
        degraded,
    )


def order_json(order: ComposedOrder) -> JsonObject:
    """The order view; `invoice`, `shipment` and the invoiced totals appear once they exist."""
    reservation, invoice, shipment = order.reservation, order.invoice, order.shipment
    totals = {"subtotal": money_json(reservation.subtotal)}
    body: JsonObject = {
        "order_id": reservation.order_id,
        "customer_id": reservation.customer_id,
        "status": order.status.value,
        "lines": [reservation_line_json(line) for line in reservation.lines],
        "shipping_address": address_json(reservation.shipping_address),
        "totals": totals,
        "total_weight_grams": reservation.total_weight_grams,
        "degraded": list(order.degraded),
        "created_at": timestamp_json(reservation, "create_time"),
        "updated_at": _latest_update(order),
    }
    if invoice is not None:
        totals["shipping_fee"] = money_json(invoice.shipping_fee)
        totals["total"] = money_json(invoice.total)
        body["invoice"] = invoice_summary_json(invoice)
    if shipment is not None:
        body["shipment"] = shipment_summary_json(shipment)
    return body


def _latest_update(order: ComposedOrder) -> str | None:
    """The latest change of any part: the order changed when any of its parts did."""
    stamps: list[Timestamp] = [order.reservation.update_time]
    if order.invoice is not None:
        stamps.append(order.invoice.update_time)
    if order.shipment is not None:
        stamps.append(order.shipment.update_time)
    latest = max(stamps, key=lambda stamp: (stamp.seconds, stamp.nanos))
    # An unset Timestamp reads as the epoch, so it only wins when no part has a time at all.
    return latest.ToJsonString() if latest.ByteSize() else None
