"""Outbound gRPC plumbing: the channel to another service, the metadata a call carries, its error reason.

Which RPC to call and what its failures mean stay in the calling service's adapter.
"""

from __future__ import annotations

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from chassis.grpc_target import BALANCING_OPTIONS
from chassis.logs import log_context
from chassis.tracing import make_traceparent

CHANNEL_OPTIONS: tuple[tuple[str, int | str], ...] = (
    # gRPC's default reconnect backoff grows to two minutes; a restarted peer should be noticed within
    # seconds, as the caller's own retries (consumer redeliveries, sweeps) arrive.
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
    # Round robin over every address of the target (ipv4:a,b or a DNS name with several records), so
    # each replica of the callee gets its share; servers close connections after a maximum age, which
    # makes the channel resolve the name again and pick up replicas that started since.
    *BALANCING_OPTIONS,
)


def open_channel(address: str) -> grpc.aio.Channel:
    """A channel to `address` (any gRPC target); call it inside the running event loop it is bound to."""
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)


def outgoing_metadata() -> tuple[tuple[str, str], ...]:
    """Metadata continuing the current trace (of the event or request being handled) into the call."""
    return (("traceparent", make_traceparent(log_context().get("trace_id"))),)


def error_reason(error: grpc.aio.AioRpcError) -> str:
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
