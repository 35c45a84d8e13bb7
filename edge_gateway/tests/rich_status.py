"""How the fake backends fail a call: the way the chassis interceptor does, with rich status details."""

from collections.abc import Sequence
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, timestamp_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

Context = grpc.aio.ServicerContext[Any, Any]


async def abort(
    context: Context,
    code: int,
    reason: str,
    message: str,
    violations: Sequence[tuple[str, str]] = (),
    *,
    domain: str,
) -> NoReturn:
    """Fail the call with an ErrorInfo (reason, domain), plus a BadRequest if there are violations."""
    info, details = any_pb2.Any(), []
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain))
    details.append(info)
    if violations:
        bad = any_pb2.Any()
        bad.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations
                ]
            )
        )
        details.append(bad)
    status = status_pb2.Status(code=code, message=message, details=details)
    await context.abort_with_status(rpc_status.to_status(status))


def now() -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.GetCurrentTime()
    return stamp


def record_call(calls: list[tuple[str, dict[str, str], float | None]], method: str, context: Context) -> None:
    """Note what a call carried (metadata and its remaining deadline) for the tests to inspect."""
    metadata = {key: str(value) for key, value in (context.invocation_metadata() or ())}
    calls.append((method, metadata, context.time_remaining()))
