"""ShippingQuotes over gRPC: ShippingService.QuoteShipment with a deadline, its failures translated."""

from __future__ import annotations

import asyncio
import functools
import logging

import grpc
import grpc.aio

from billing.domain import Money, ShippingQuote, Unshippable
from billing.use_cases import ShippingUnavailable
from chassis.grpc_client import error_reason, outgoing_metadata
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

logger = logging.getLogger(__name__)

# Shipping answered, and the answer is that this parcel cannot be shipped: retrying changes nothing.
_REFUSALS = frozenset({grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT})


class GrpcShippingQuotes:
    """Asks shipping for a fee; the channel is created by the composition root inside the running loop.

    Identical questions asked at the same time share one call: while a quote for a destination,
    weight and currency is in flight, another order asking the same joins it instead of making a
    call of its own. Nothing is kept once the call ends, so every order still gets an answer that
    shipping gave after the order arrived, and when shipping is down every waiting order sees the
    failure. After a burst billing handles up to a whole fetch of StockReserved events at once, and a
    call costs ~0.25 ms of CPU on each side, so sharing it lets billing work off a backlog sooner.
    Only the first order's trace shows the call.
    """

    def __init__(self, channel: grpc.aio.Channel, *, timeout_seconds: float) -> None:
        self._stub = shipping_pb2_grpc.ShippingServiceStub(channel)
        self._timeout = timeout_seconds
        self._in_flight: dict[tuple[str, int, str], asyncio.Task[ShippingQuote]] = {}

    async def quote(self, *, country: str, weight_grams: int, currency: str) -> ShippingQuote:
        key = (country, weight_grams, currency)
        call = self._in_flight.get(key)
        if call is None:
            call = asyncio.create_task(self._ask(country, weight_grams, currency))
            self._in_flight[key] = call
            call.add_done_callback(functools.partial(self._forget, key))
        # Shielded: one caller giving up (its handler cancelled) must not cancel the others' answer.
        return await asyncio.shield(call)

    def _forget(self, key: tuple[str, int, str], call: asyncio.Task[ShippingQuote]) -> None:
        self._in_flight.pop(key, None)
        if not call.cancelled():
            call.exception()  # retrieved here too, in case every caller gave up waiting for it

    async def _ask(self, country: str, weight_grams: int, currency: str) -> ShippingQuote:
        request = shipping_pb2.QuoteShipmentRequest(
            destination_country=country, total_weight_grams=weight_grams, currency_code=currency
        )
        # Continue the trace of the event being handled, so the quote shows up in the order's trace.
        metadata = outgoing_metadata()
        try:
            reply = await self._stub.QuoteShipment(request, timeout=self._timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error
        return ShippingQuote(
            fee=Money(reply.fee.amount_minor, reply.fee.currency_code),
            carrier=reply.carrier,
            eta_days=reply.eta_days,
        )


def _translated(error: grpc.aio.AioRpcError) -> Exception:
    code = error.code()
    if code in _REFUSALS:
        # INVALID_ARGUMENT too: billing already checked the country format, so shipping rejecting the
        # parcel's weight or currency means it cannot ship this order, however often it is asked.
        reason = error_reason(error) or code.name
        return Unshippable(f"shipping refused the parcel ({reason}): {error.details()}")
    logger.warning("QuoteShipment failed: %s %s", code.name, error.details())
    # UNAVAILABLE and DEADLINE_EXCEEDED above all, but any other failure of shipping's too: the
    # message is retried with backoff and dead-lettered only once the consumer gives up.
    return ShippingUnavailable(f"QuoteShipment failed with {code.name}")
