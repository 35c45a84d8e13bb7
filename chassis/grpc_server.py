"""gRPC server bootstrap: options, request context and error mapping around every call, health, reflection."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, NoReturn

import grpc
import grpc.aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chassis.errors import ErrorMapper, ErrorTable
from chassis.grpc_handlers import ScopedServer
from chassis.logs import bind_log_context
from chassis.tracing import new_trace_id, trace_id_from

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
TRACEPARENT_HEADER = "traceparent"
# A client balances only over the connections it has: closing each connection after a while (gRPC adds
# +-10% jitter, so a caller's connections do not all go at once) makes clients resolve the target again
# and spread over replicas started since. New calls move to the new connection at once; calls already
# running keep the old one for the grace, long enough for a WatchShipment someone follows by hand.
MAX_CONNECTION_AGE_MS = 60_000
MAX_CONNECTION_AGE_GRACE_MS = 600_000


class _ServiceCall:
    """The CallScope of one method: request and trace ids bound into the logs, errors mapped to statuses."""

    def __init__(self, errors: ErrorMapper, method: str) -> None:
        self._errors = errors
        self._method = method

    def bind(self, context: grpc.aio.ServicerContext[Any, Any]) -> AbstractContextManager[None]:
        request_id = traceparent = None
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID_HEADER:
                request_id = value
            elif key == TRACEPARENT_HEADER:
                traceparent = value
        return bind_log_context(
            request_id=str(request_id or uuid.uuid4().hex)[:128],
            trace_id=trace_id_from(str(traceparent or "")) or new_trace_id(),
        )

    async def fail(self, context: grpc.aio.ServicerContext[Any, Any], error: Exception) -> NoReturn:
        await self._errors.abort(context, self._method, error)


def create_server(
    *,
    error_table: ErrorTable,
    max_message_bytes: int,
    extra_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    domain: str = "mercado",
    max_connection_age_ms: int = MAX_CONNECTION_AGE_MS,
    max_connection_age_grace_ms: int = MAX_CONNECTION_AGE_GRACE_MS,
) -> grpc.aio.Server:
    """A grpc.aio server with size limits, keepalive and a maximum connection age; the caller adds ports.

    Every method it serves binds the call's request and trace ids into the logs and maps its errors
    to statuses (see ScopedServer). `extra_interceptors` run before that, outside the call's scope.
    """
    options = [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_pings_without_data", 0),
        # Two processes silently sharing a port would split traffic between old and new code.
        ("grpc.so_reuseport", 0),
        ("grpc.max_connection_age_ms", max_connection_age_ms),
        ("grpc.max_connection_age_grace_ms", max_connection_age_grace_ms),
    ]
    errors = ErrorMapper(error_table, domain=domain)
    server = grpc.aio.server(interceptors=extra_interceptors, options=options)
    return ScopedServer(server, lambda method: _ServiceCall(errors, method))


# A health name that says only "this process is alive": SERVING from start-up until shutdown whatever
# the dependencies do. Liveness probes ask for it, so a database outage takes replicas out of rotation
# (readiness, the overall status) without restarting them all.
LIVENESS_SERVICE = "liveness"


class HealthReporter:
    """Publishes per-service health through the standard grpc.health.v1 service."""

    def __init__(self, service_names: Sequence[str]) -> None:
        self._names = [health.OVERALL_HEALTH, *service_names]
        self._servicer = health.aio.HealthServicer()
        self._serving: bool | None = None
        self._shut_down = False
        self._alive = False

    @property
    def serving(self) -> bool:
        return bool(self._serving) and not self._shut_down

    def register(self, server: grpc.aio.Server) -> None:
        health_pb2_grpc.add_HealthServicer_to_server(self._servicer, server)

    async def set_serving(self, serving: bool) -> None:
        if self._shut_down:
            return
        if not self._alive:
            await self._servicer.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
            self._alive = True
        if serving == self._serving:
            return
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in self._names:
            await self._servicer.set(name, status)
        if self._serving is not None or serving:
            logger.log(
                logging.INFO if serving else logging.WARNING,
                "health: %s",
                "SERVING" if serving else "NOT_SERVING",
            )
        self._serving = serving

    async def shutdown(self) -> None:
        """NOT_SERVING for good: load balancers stop sending new calls while in-flight ones finish."""
        await self.set_serving(False)
        self._shut_down = True
        await self._servicer.enter_graceful_shutdown()

    async def monitor(self, checks: Sequence[Callable[[], Awaitable[bool]]], interval: float = 2.0) -> None:
        """Every `interval` seconds: SERVING when every check passes, NOT_SERVING otherwise."""
        while not self._shut_down:
            await self.set_serving(await _all_pass(checks))
            await asyncio.sleep(interval)


async def _all_pass(checks: Sequence[Callable[[], Awaitable[bool]]]) -> bool:
    for check in checks:
        try:
            if not await check():
                return False
        except Exception:  # a failing check means an unhealthy dependency
            logger.exception("health check failed")
            return False
    return True


def enable_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> None:
    """Server reflection for the given services plus health and reflection themselves."""
    names = (*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME)
    reflection.enable_server_reflection(names, server)


def remaining_timeout(context: grpc.aio.ServicerContext[Any, Any], default: float) -> float:
    """Seconds left before the caller's deadline, capped at `default` (used when there is none)."""
    remaining = context.time_remaining()
    if remaining is None:
        return default
    return max(0.0, min(remaining, default))


def service_server(
    servicer: Any,
    add_to_server: Callable[[Any, grpc.aio.Server], None],
    *,
    service_name: str,
    error_table: ErrorTable,
    max_message_bytes: int,
    domain: str,
) -> tuple[grpc.aio.Server, HealthReporter]:
    """A service's server (see create_server) with its servicer, grpc.health.v1 and reflection.

    `add_to_server` is the generated `add_<Service>Servicer_to_server` function.
    """
    server = create_server(error_table=error_table, max_message_bytes=max_message_bytes, domain=domain)
    add_to_server(servicer, server)
    health = HealthReporter([service_name])
    health.register(server)
    enable_reflection(server, [service_name])
    return server, health
