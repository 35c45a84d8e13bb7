"""ShippingQuotes over gRPC: ShippingService.QuoteShipment with a deadline, its failures translated."""

from __future__ import annotations

import logging

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from billing.domain import Money, ShippingQuote, Unshippable
from billing.use_cases import ShippingUnavailable
from chassis.logs import log_context
from chassis.tracing import make_traceparent
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

logger = logging.getLogger(__name__)

# Shipping answered, and the answer is that this parcel cannot be shipped: retrying changes nothing.
_REFUSALS = frozenset({grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT})


# gRPC's default reconnect backoff grows to two minutes; a restarted shipping service should be
# noticed within seconds, as the consumer's own retries arrive.
_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
)


def open_channel(address: str) -> grpc.aio.Channel:
    """A channel to shipping; call it inside the running event loop, which the channel is bound to."""
    return grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS)


class GrpcShippingQuotes:
    """Asks shipping for a fee; the channel is created by the composition root inside the running loop."""

    def __init__(self, channel: grpc.aio.Channel, *, timeout_seconds: float) -> None:
        self._stub = shipping_pb2_grpc.ShippingServiceStub(channel)
        self._timeout = timeout_seconds

    async def quote(self, *, country: str, weight_grams: int, currency: str) -> ShippingQuote:
        request = shipping_pb2.QuoteShipmentRequest(
            destination_country=country, total_weight_grams=weight_grams, currency_code=currency
        )
        # Continue the trace of the event being handled, so the quote shows up in the order's trace.
        metadata = (("traceparent", make_traceparent(log_context().get("trace_id"))),)
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
        return Unshippable(f"shipping refused the parcel ({_reason(error) or code.name}): {error.details()}")
    logger.warning("QuoteShipment failed: %s %s", code.name, error.details())
    # UNAVAILABLE and DEADLINE_EXCEEDED above all, but any other failure of shipping's too: the
    # message is retried with backoff and dead-lettered only once the consumer gives up.
    return ShippingUnavailable(f"QuoteShipment failed with {code.name}")


def _reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a rich status (e.g. UNSHIPPABLE), or "" when there is none."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return ""
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""
