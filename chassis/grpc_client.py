"""Outbound gRPC plumbing: the channel to another service, the metadata a call carries, its error reason.

Which RPC to call and what its failures mean stay in the calling service's adapter.
"""

from __future__ import annotations

import grpc
import grpc.aio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from chassis.logs import log_context
from chassis.tracing import make_traceparent

# gRPC's default reconnect backoff grows to two minutes; a restarted peer should be noticed within
# seconds, as the caller's own retries (consumer redeliveries, sweeps) arrive.
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 5000),
)


def open_channel(address: str) -> grpc.aio.Channel:
    """A channel to `address`; call it inside the running event loop, which the channel is bound to."""
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
