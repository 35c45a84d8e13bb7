"""JetStream handlers for the events the inventory reacts to: decode, then settle through a use case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from google.protobuf.message import Message

from chassis.logs import bind_log_context
from chassis.messaging import Handler, IncomingEvent, PoisonMessage, Subscription
from chassis.naming import durable_for
from inventory.domain import ReservationNotFound, ReservationNotReserved
from inventory.events import (
    ORDER_CANCELLED,
    PAYMENT_CAPTURED,
    PAYMENT_FAILED,
    SHIPMENT_DISPATCHED,
    order_id_of,
)
from inventory.store import StockInconsistency
from inventory.use_cases import (
    Delivery,
    Outcome,
    UnitOfWork,
    cancel_order,
    commit_on_dispatch,
    record_payment,
    release_on_payment_failure,
)
from mercado.billing.v1 import events_pb2 as billing_events
from mercado.shipping.v1 import events_pb2 as shipping_events

logger = logging.getLogger(__name__)

SERVICE = "inventory"

# Retrying cannot fix these: the event contradicts what the inventory knows, so an operator must look.
_CONTRADICTIONS = (ReservationNotFound, ReservationNotReserved, StockInconsistency)


class Settle(Protocol):
    async def __call__(
        self, uow: UnitOfWork, order_id: str, *, delivery: Delivery, now: datetime
    ) -> Outcome: ...


def subscriptions(
    unit_of_work: Callable[[], UnitOfWork], *, clock: Callable[[], datetime] | None = None
) -> list[Subscription]:
    """PaymentFailed releases, PaymentCaptured stops expiry, OrderCancelled releases, dispatch commits."""
    now = clock or (lambda: datetime.now(UTC))
    routes: list[tuple[str, type[Message], Settle]] = [
        (PAYMENT_FAILED, billing_events.PaymentFailed, release_on_payment_failure),
        (PAYMENT_CAPTURED, billing_events.PaymentCaptured, record_payment),
        (ORDER_CANCELLED, shipping_events.OrderCancelled, cancel_order),
        (SHIPMENT_DISPATCHED, shipping_events.ShipmentDispatched, commit_on_dispatch),
    ]
    return [
        Subscription(event_type, _handler(event_type, payload, settle, unit_of_work, now))
        for event_type, payload, settle in routes
    ]


def _handler(
    event_type: str,
    payload: type[Message],
    settle: Settle,
    unit_of_work: Callable[[], UnitOfWork],
    now: Callable[[], datetime],
) -> Handler:
    consumer = durable_for(SERVICE, event_type)

    async def handle(event: IncomingEvent) -> None:
        order_id = order_id_of(event.payload, payload)
        with bind_log_context(order_id=order_id):
            try:
                outcome = await settle(
                    unit_of_work(), order_id, delivery=Delivery(consumer, event.event_id), now=now()
                )
            except _CONTRADICTIONS as error:
                raise PoisonMessage(str(error)) from error
            logger.info("%s handled: %s", event_type, outcome.value, extra={"outcome": outcome.value})

    return handle
