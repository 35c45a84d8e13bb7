"""JetStream handlers for the events billing reacts to: decode, then invoice or cancel through a use case."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from billing.domain import AccountNotFound, InvalidRequest
from billing.events import ORDER_CANCELLED, STOCK_RESERVED, cancelled_order, reserved_order
from billing.use_cases import (
    Delivery,
    Outcome,
    PaymentGateway,
    Queries,
    ShippingQuotes,
    ShippingUnavailable,
    UnitOfWork,
    cancel_order,
    invoice_order,
)
from chassis.logs import bind_log_context
from chassis.messaging import Handler, IncomingEvent, PoisonMessage, Subscription, TransientError
from chassis.naming import durable_for

logger = logging.getLogger(__name__)

SERVICE = "billing"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Dependencies:
    """What the handlers need; each handled message gets its own unit of work."""

    unit_of_work: Callable[[], UnitOfWork]
    queries: Queries
    quotes: ShippingQuotes
    payments: PaymentGateway
    clock: Callable[[], datetime] = utc_now


def subscriptions(deps: Dependencies) -> list[Subscription]:
    """StockReserved -> invoice and charge; OrderCancelled -> refund or remember."""
    return [
        Subscription(STOCK_RESERVED, _on_stock_reserved(deps)),
        Subscription(ORDER_CANCELLED, _on_order_cancelled(deps)),
    ]


def _on_stock_reserved(deps: Dependencies) -> Handler:
    consumer = durable_for(SERVICE, STOCK_RESERVED)

    async def handle(event: IncomingEvent) -> None:
        order = reserved_order(event.payload)
        with bind_log_context(order_id=order.order_id):
            try:
                outcome = await invoice_order(
                    deps.unit_of_work(),
                    order,
                    queries=deps.queries,
                    quotes=deps.quotes,
                    payments=deps.payments,
                    delivery=Delivery(consumer, event.event_id),
                    clock=deps.clock,
                )
            except ShippingUnavailable as error:
                # Nothing was stored: the redelivery asks shipping again after the consumer's backoff.
                raise TransientError(str(error)) from error
            except InvalidRequest as error:
                raise PoisonMessage(f"StockReserved cannot be invoiced: {error}") from error
            _log(STOCK_RESERVED, outcome)

    return handle


def _on_order_cancelled(deps: Dependencies) -> Handler:
    consumer = durable_for(SERVICE, ORDER_CANCELLED)

    async def handle(event: IncomingEvent) -> None:
        order_id, customer_id = cancelled_order(event.payload)
        with bind_log_context(order_id=order_id):
            try:
                outcome = await cancel_order(
                    deps.unit_of_work(),
                    order_id,
                    customer_id,
                    payments=deps.payments,
                    delivery=Delivery(consumer, event.event_id),
                    now=deps.clock(),
                )
            except InvalidRequest as error:
                raise PoisonMessage(f"OrderCancelled cannot be applied: {error}") from error
            except AccountNotFound as error:
                # A paid invoice whose account vanished: the data contradicts itself, an operator must look.
                raise PoisonMessage(str(error)) from error
            _log(ORDER_CANCELLED, outcome)

    return handle


def _log(event_type: str, outcome: Outcome) -> None:
    logger.info("%s handled: %s", event_type, outcome.value, extra={"outcome": outcome.value})
