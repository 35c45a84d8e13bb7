"""Map exceptions raised by servicers to gRPC statuses with google.rpc rich details; no domain knowledge."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
import grpc.aio
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from sqlalchemy import exc as sql_errors

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal error"
DATABASE_UNAVAILABLE_MESSAGE = "database unavailable; retry later"
# SQLSTATE classes of a database that cannot serve right now, whatever the request: 08 connection
# exception, 53 insufficient resources (e.g. too many connections), 57 operator intervention (admin
# or crash shutdown, "the database system is starting up / shutting down").
_UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
_UNREACHABLE_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT})


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass(frozen=True)
class ErrorMapping:
    code: grpc.StatusCode
    reason: str


ErrorTable = Mapping[type[BaseException], ErrorMapping]


def find_mapping(table: ErrorTable, error: BaseException) -> ErrorMapping | None:
    """The entry for the most specific class of `error` present in the table."""
    for cls in type(error).__mro__:
        mapping = table.get(cls)
        if mapping is not None:
            return mapping
    return None


def database_unavailable(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached or is going away, not that the call was wrong.

    SQLAlchemy raises a failed connect's OSError as is (asyncpg: ConnectionRefusedError) and wraps the
    server's refusals (CannotConnectNowError, AdminShutdownError) and dropped connections in DBAPIError.
    """
    if isinstance(error, ConnectionError | socket.gaierror):
        return True
    if isinstance(error, OSError) and error.errno in _UNREACHABLE_ERRNOS:
        return True
    if isinstance(error, sql_errors.DBAPIError):
        sqlstate = str(getattr(error.orig, "sqlstate", None) or "")
        return error.connection_invalidated or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    return False


def _violations(error: BaseException) -> list[FieldViolation]:
    # Domain errors cannot import the chassis, so they carry plain (field, description) pairs.
    found: Iterable[Any] = getattr(error, "violations", None) or ()
    result = []
    for item in found:
        if isinstance(item, FieldViolation):
            result.append(item)
        else:
            field, description = item
            result.append(FieldViolation(str(field), str(description)))
    return result


def _packed(detail: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(detail)
    return packed


def rich_status(error: BaseException, mapping: ErrorMapping, domain: str) -> grpc.Status:
    """A status with the code, `str(error)` as message, ErrorInfo and (if any) BadRequest details."""
    info = error_details_pb2.ErrorInfo(reason=mapping.reason, domain=domain)
    metadata = getattr(error, "metadata", None)
    if isinstance(metadata, Mapping):
        info.metadata.update({str(k): str(v) for k, v in metadata.items()})
    status = status_pb2.Status(code=mapping.code.value[0], message=str(error) or mapping.reason)
    status.details.append(_packed(info))
    violations = _violations(error)
    if violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in violations
            ]
        )
        status.details.append(_packed(bad_request))
    result: grpc.Status = rpc_status.to_status(status)
    return result


class ErrorMapper:
    """Aborts a failed call with its mapped status, or INTERNAL "internal error" when unmapped.

    `create_server` applies it to every call of every service (see chassis.grpc_server).
    """

    def __init__(self, table: ErrorTable, *, domain: str = "mercado") -> None:
        self._table = dict(table)
        self._domain = domain

    async def abort(
        self, context: grpc.aio.ServicerContext[Any, Any], method: str, error: Exception
    ) -> NoReturn:
        mapping = find_mapping(self._table, error)
        if mapping is None and database_unavailable(error):
            # Transient: the caller may retry (the edge answers 503 with Retry-After); health says why.
            extra = {"grpc_method": method, "grpc_code": "UNAVAILABLE"}
            logger.warning("%s failed: database unavailable: %s", method, error, extra=extra)
            await context.abort(grpc.StatusCode.UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE)
        if mapping is None:
            logger.exception("unhandled error in %s", method, extra={"grpc_method": method})
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        status = rich_status(error, mapping, self._domain)
        logger.info(
            "%s failed: %s",
            method,
            mapping.reason,
            extra={"grpc_method": method, "grpc_code": mapping.code.name, "reason": mapping.reason},
        )
        await context.abort(status.code, status.details, status.trailing_metadata)
