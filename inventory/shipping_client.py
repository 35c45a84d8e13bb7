"""OrderCancellations over gRPC: ShippingService.CancelOrder with a deadline, its failures translated."""

from __future__ import annotations

import logging

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from chassis.logs import log_context
from chassis.tracing import make_traceparent
from inventory.use_cases import CancellationRefused, ShippingUnavailable
from mercado.shipping.v1 import events_pb2, shipping_pb2, shipping_pb2_grpc

logger = logging.getLogger(__name__)

# Shipping answered and said no; asking again at the next sweep would get the same answer.
_REFUSALS = frozenset({grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT})

# gRPC's default reconnect backoff grows to two minutes; a restarted shipping service should be
# noticed within a few sweeps.
_CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
)


def open_channel(address: str) -> grpc.aio.Channel:
    """A channel to shipping; call it inside the running event loop, which the channel is bound to."""
    return grpc.aio.insecure_channel(address, options=_CHANNEL_OPTIONS)


class GrpcOrderCancellations:
    """Asks shipping to cancel orders whose reservation expired; the composition root owns the channel."""

    def __init__(self, channel: grpc.aio.Channel, *, timeout_seconds: float) -> None:
        self._stub = shipping_pb2_grpc.ShippingServiceStub(channel)
        self._timeout = timeout_seconds

    async def cancel_expired(self, order_id: str, customer_id: str) -> None:
        request = shipping_pb2.CancelOrderRequest(
            order_id=order_id,
            customer_id=customer_id,
            reason=events_pb2.CANCELLATION_REASON_RESERVATION_EXPIRED,
        )
        metadata = (("traceparent", make_traceparent(log_context().get("trace_id"))),)
        try:
            await self._stub.CancelOrder(request, timeout=self._timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error


def _translated(error: grpc.aio.AioRpcError) -> Exception:
    code = error.code()
    if code in _REFUSALS:
        return CancellationRefused(f"shipping refused: {_reason(error) or code.name} {error.details()}")
    # UNAVAILABLE and DEADLINE_EXCEEDED above all, but any other failure of shipping's too: the
    # order stays expired and unpaid, and the next sweep asks again.
    return ShippingUnavailable(f"CancelOrder failed with {code.name}: {error.details()}")


def _reason(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason shipping attached (e.g. ORDER_ALREADY_DISPATCHED), or "" if none."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""
