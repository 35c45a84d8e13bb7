"""JetStream handler for PaymentCaptured: decode with events.py, create the shipment through a use case."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from chassis.logs import bind_log_context
from chassis.messaging import IncomingEvent, PoisonMessage, Subscription
from chassis.naming import durable_for
from shipping.domain import InvalidRequest, Unshippable
from shipping.events import PAYMENT_CAPTURED, paid_order_from
from shipping.use_cases import Delivery, UnitOfWork, create_shipment

logger = logging.getLogger(__name__)

SERVICE = "shipping"


def subscriptions(
    unit_of_work: Callable[[], UnitOfWork],
    *,
    clock: Callable[[], datetime] | None = None,
    new_id: Callable[[], str] | None = None,
) -> list[Subscription]:
    """PaymentCaptured -> a PENDING shipment (or none, if the order was cancelled first)."""
    now = clock or (lambda: datetime.now(UTC))
    shipment_id = new_id or (lambda: str(uuid.uuid4()))
    consumer = durable_for(SERVICE, PAYMENT_CAPTURED)

    async def on_payment_captured(event: IncomingEvent) -> None:
        order = paid_order_from(event.payload)
        with bind_log_context(order_id=order.order_id):
            try:
                outcome = await create_shipment(
                    unit_of_work(),
                    order,
                    delivery=Delivery(consumer, event.event_id),
                    shipment_id=shipment_id(),
                    now=now(),
                )
            except (InvalidRequest, Unshippable) as error:
                # Retrying cannot fix the payload or the destination: an operator must look.
                raise PoisonMessage(f"{type(error).__name__}: {error}") from error
            logger.info("PaymentCaptured handled: %s", outcome.value, extra={"outcome": outcome.value})

    return [Subscription(PAYMENT_CAPTURED, on_payment_captured)]
