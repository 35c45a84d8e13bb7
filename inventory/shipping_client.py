"""OrderCancellations over gRPC: ShippingService.CancelOrder with a deadline, its failures translated."""

from __future__ import annotations

import logging

import grpc
import grpc.aio

from chassis.grpc_client import error_reason, outgoing_metadata
from inventory.use_cases import CancellationRefused, ShippingUnavailable
from mercado.shipping.v1 import events_pb2, shipping_pb2, shipping_pb2_grpc

logger = logging.getLogger(__name__)

# Shipping answered and said no; asking again at the next sweep would get the same answer.
_REFUSALS = frozenset({grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT})


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
        metadata = outgoing_metadata()
        try:
            await self._stub.CancelOrder(request, timeout=self._timeout, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            raise _translated(error) from error


def _translated(error: grpc.aio.AioRpcError) -> Exception:
    code = error.code()
    if code in _REFUSALS:
        return CancellationRefused(f"shipping refused: {error_reason(error) or code.name} {error.details()}")
    # UNAVAILABLE and DEADLINE_EXCEEDED above all, but any other failure of shipping's too: the
    # order stays expired and unpaid, and the next sweep asks again.
    return ShippingUnavailable(f"CancelOrder failed with {code.name}: {error.details()}")
