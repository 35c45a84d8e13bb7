"""The gRPC bootstrap: health, reflection (seen by grpcurl), error mapping and ids bound on every call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from chassis.errors import ErrorMapping, ErrorTable
from chassis.grpc_client import open_channel
from chassis.grpc_server import (
    LIVENESS_SERVICE,
    MAX_CONNECTION_AGE_GRACE_MS,
    MAX_CONNECTION_AGE_MS,
    HealthReporter,
    create_server,
    enable_reflection,
    remaining_timeout,
)
from chassis.logs import log_context
from chassis.testing import eventually

SERVICE = "mercado.test.v1.ProbeService"
# Served through add_registered_method_handlers, the path generated `add_*Servicer_to_server` code takes.
REGISTERED = "mercado.test.v1.RegisteredProbeService"
GRPCURL = str(Path(sys.executable).parent / "grpcurl")


class ItemNotFound(Exception):
    pass


class ReservationNotFound(ItemNotFound):
    """Mapped through its base class."""


class InvalidRequest(Exception):
    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        super().__init__("request is invalid")
        self.violations = list(violations)


class InsufficientStock(Exception):
    def __init__(self, sku: str) -> None:
        super().__init__(f"not enough stock for {sku}")
        self.metadata = {"sku": sku}


ERRORS: ErrorTable = {
    ItemNotFound: ErrorMapping(grpc.StatusCode.NOT_FOUND, "ITEM_NOT_FOUND"),
    InvalidRequest: ErrorMapping(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    InsufficientStock: ErrorMapping(grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_STOCK"),
}


async def echo(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    return request


async def raise_from_request(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    errors: dict[bytes, Exception] = {
        b"missing": ReservationNotFound("reservation r-1 not found"),
        b"invalid": InvalidRequest([("lines[0].quantity", "must be positive"), ("order_id", "is required")]),
        b"stock": InsufficientStock("SKU-1"),
        b"bug": RuntimeError("password=hunter2 leaked in a traceback"),
    }
    raise errors[request]


async def context_fields(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    fields = dict(log_context())
    fields["remaining"] = str(remaining_timeout(context, default=60.0))
    return json.dumps(fields).encode()


async def stream_then_fail(
    request: bytes, context: grpc.aio.ServicerContext[Any, Any]
) -> AsyncIterator[bytes]:
    yield b"first"
    raise ItemNotFound("gone midway")


async def deliberate_abort(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
    await context.abort(grpc.StatusCode.PERMISSION_DENIED, "not yours")
    return b""


def probe_handler() -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Echo": grpc.unary_unary_rpc_method_handler(echo),
            "Fail": grpc.unary_unary_rpc_method_handler(raise_from_request),
            "Context": grpc.unary_unary_rpc_method_handler(context_fields),
            "Stream": grpc.unary_stream_rpc_method_handler(stream_then_fail),
            "Abort": grpc.unary_unary_rpc_method_handler(deliberate_abort),
        },
    )


@pytest.fixture
async def served() -> AsyncIterator[tuple[int, HealthReporter, grpc.aio.Channel]]:
    server = create_server(error_table=ERRORS, max_message_bytes=1024, domain="mercado.test")
    server.add_generic_rpc_handlers([probe_handler()])
    server.add_registered_method_handlers(
        REGISTERED,
        {
            "Fail": grpc.unary_unary_rpc_method_handler(raise_from_request),
            "Context": grpc.unary_unary_rpc_method_handler(context_fields),
        },
    )
    health = HealthReporter([SERVICE])
    health.register(server)
    enable_reflection(server, [])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield port, health, channel
    await channel.close()
    await server.stop(None)


def call(
    channel: grpc.aio.Channel, method: str, service: str = SERVICE
) -> grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]:
    multi: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(f"/{service}/{method}")
    return multi


def rich_details(error: grpc.aio.AioRpcError) -> tuple[error_details_pb2.ErrorInfo, list[tuple[str, str]]]:
    raw = dict(error.trailing_metadata() or ())["grpc-status-details-bin"]
    status = status_pb2.Status.FromString(raw if isinstance(raw, bytes) else raw.encode())
    assert status.code == error.code().value[0]
    assert status.message == error.details()
    info = error_details_pb2.ErrorInfo()
    violations: list[tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        else:
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations = [(v.field, v.description) for v in bad_request.field_violations]
    return info, violations


async def run_grpcurl(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        GRPCURL, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_health_reports_each_service_and_overall(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, health, channel = served
    stub = health_pb2_grpc.HealthStub(channel)
    await health.set_serving(True)
    for name in ("", SERVICE):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=name))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING

    await health.set_serving(False)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE))
    assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_health_follows_dependency_checks_and_stays_down_after_shutdown(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, health, channel = served
    stub = health_pb2_grpc.HealthStub(channel)
    database_up = True

    async def database() -> bool:
        return database_up

    async def status() -> int:
        return int((await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE))).status)

    monitor = asyncio.create_task(health.monitor([database], interval=0.02))
    try:
        await eventually(lambda: health.serving)
        assert await status() == health_pb2.HealthCheckResponse.SERVING
        database_up = False
        await eventually(lambda: not health.serving)
        assert await status() == health_pb2.HealthCheckResponse.NOT_SERVING
        database_up = True
        await eventually(lambda: health.serving)
        await health.shutdown()
        assert await status() == health_pb2.HealthCheckResponse.NOT_SERVING
        await health.set_serving(True)
        assert await status() == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        monitor.cancel()


async def test_liveness_stays_serving_through_a_dependency_outage_until_shutdown(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, health, channel = served
    stub = health_pb2_grpc.HealthStub(channel)

    async def status(name: str) -> int:
        return int((await stub.Check(health_pb2.HealthCheckRequest(service=name))).status)

    await health.set_serving(False)  # what start-up does before the first check passes
    assert await status(LIVENESS_SERVICE) == health_pb2.HealthCheckResponse.SERVING
    assert await status("") == health_pb2.HealthCheckResponse.NOT_SERVING
    await health.set_serving(True)
    await health.set_serving(False)  # the database went away
    assert await status(LIVENESS_SERVICE) == health_pb2.HealthCheckResponse.SERVING
    await health.shutdown()
    assert await status(LIVENESS_SERVICE) == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_grpcurl_lists_health_and_reflection_and_checks_health(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    port, health, _ = served
    await health.set_serving(True)
    listed = (await run_grpcurl("-plaintext", f"127.0.0.1:{port}", "list")).split()
    assert "grpc.health.v1.Health" in listed
    assert "grpc.reflection.v1alpha.ServerReflection" in listed

    reply = await run_grpcurl(
        "-plaintext",
        "-d",
        json.dumps({"service": SERVICE}),
        f"127.0.0.1:{port}",
        "grpc.health.v1.Health/Check",
    )
    assert json.loads(reply) == {"status": "SERVING"}


async def test_mapped_error_returns_code_reason_and_message(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Fail")(b"missing")
    error = raised.value
    assert error.code() == grpc.StatusCode.NOT_FOUND  # found through the exception's base class
    assert error.details() == "reservation r-1 not found"
    info, violations = rich_details(error)
    assert (info.reason, info.domain) == ("ITEM_NOT_FOUND", "mercado.test")
    assert violations == []


async def test_invalid_argument_carries_field_violations(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Fail")(b"invalid")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info, violations = rich_details(raised.value)
    assert info.reason == "INVALID_ARGUMENT"
    assert violations == [("lines[0].quantity", "must be positive"), ("order_id", "is required")]


async def test_error_metadata_is_passed_in_error_info(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Fail")(b"stock")
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info, _ = rich_details(raised.value)
    assert (info.reason, dict(info.metadata)) == ("INSUFFICIENT_STOCK", {"sku": "SKU-1"})


async def test_unexpected_error_is_internal_with_a_generic_message_and_is_logged(
    served: tuple[int, HealthReporter, grpc.aio.Channel], caplog: pytest.LogCaptureFixture
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Fail")(b"bug")
    error = raised.value
    assert (error.code(), error.details()) == (grpc.StatusCode.INTERNAL, "internal error")
    assert "hunter2" not in repr(error.trailing_metadata())
    logged = [r for r in caplog.records if r.name == "chassis.errors" and r.exc_info]
    assert logged
    assert "hunter2" in str(logged[0].exc_info[1])  # type: ignore[index]


async def test_streaming_errors_are_mapped_too(served: tuple[int, HealthReporter, grpc.aio.Channel]) -> None:
    _, _, channel = served
    stream: grpc.aio.UnaryStreamMultiCallable[bytes, bytes] = channel.unary_stream(f"/{SERVICE}/Stream")
    received: list[bytes] = []

    async def read_all() -> None:
        async for item in stream(b""):
            received.append(item)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await read_all()
    assert received == [b"first"]
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_servicer_abort_passes_through_unchanged(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Abort")(b"")
    assert (raised.value.code(), raised.value.details()) == (grpc.StatusCode.PERMISSION_DENIED, "not yours")


async def test_request_and_trace_ids_come_from_metadata_or_are_generated(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    metadata = (("x-request-id", "req-42"), ("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01"))
    given = json.loads(await call(channel, "Context")(b"", metadata=metadata, timeout=10))
    generated = json.loads(await call(channel, "Context")(b""))

    assert (given["request_id"], given["trace_id"]) == ("req-42", trace_id)
    assert 0 < float(given["remaining"]) < 11  # the caller's deadline, not the 60 s default
    assert generated["request_id"]
    assert len(generated["trace_id"]) == 32
    assert float(generated["remaining"]) == 60.0


async def test_messages_over_the_size_limit_are_refused(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    assert await call(channel, "Echo")(b"x" * 100) == b"x" * 100
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Echo")(b"x" * 2048)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_methods_registered_by_name_map_errors_and_bind_ids_too(
    served: tuple[int, HealthReporter, grpc.aio.Channel],
) -> None:
    _, _, channel = served
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(channel, "Fail", REGISTERED)(b"invalid")
    info, violations = rich_details(raised.value)
    assert (raised.value.code(), info.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert violations == [("lines[0].quantity", "must be positive"), ("order_id", "is required")]

    given = json.loads(await call(channel, "Context", REGISTERED)(b"", metadata=(("x-request-id", "req-7"),)))
    assert given["request_id"] == "req-7"
    assert len(given["trace_id"]) == 32


@contextlib.asynccontextmanager
async def peer_reporting_server(
    name: str, max_age_ms: int = MAX_CONNECTION_AGE_MS, grace_ms: int = MAX_CONNECTION_AGE_GRACE_MS
) -> AsyncIterator[int]:
    """A server whose Echo answers `name` and the caller's address as it sees it; yields its port."""

    async def who(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        return f"{name} {context.peer()}".encode()

    server = create_server(
        error_table=ERRORS,
        max_message_bytes=1024,
        max_connection_age_ms=max_age_ms,
        max_connection_age_grace_ms=grace_ms,
    )
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(SERVICE, {"Echo": grpc.unary_unary_rpc_method_handler(who)})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)


async def test_connections_past_their_maximum_age_are_replaced_without_failing_calls() -> None:
    async with peer_reporting_server("only", max_age_ms=300, grace_ms=1_000) as port:
        channel = open_channel(f"127.0.0.1:{port}")
        try:
            first = (await call(channel, "Echo")(b"", timeout=5)).decode()
            seen = {first}

            async def reconnected() -> bool:
                # Every call must succeed across the server closing the old connection.
                seen.add((await call(channel, "Echo")(b"", timeout=5)).decode())
                return len(seen) > 1

            await eventually(reconnected, timeout=10, message="the client kept its first connection")
        finally:
            await channel.close()


async def test_a_channel_to_an_ipv4_list_sends_calls_to_every_server_in_turn() -> None:
    async with peer_reporting_server("a") as port_a, peer_reporting_server("b") as port_b:
        channel = open_channel(f"ipv4:127.0.0.1:{port_a},127.0.0.1:{port_b}")
        answered: list[str] = []
        try:

            async def both_answered() -> bool:
                answered.append((await call(channel, "Echo")(b"", timeout=5)).decode().split()[0])
                return {"a", "b"} <= set(answered[-2:])

            # Round robin alternates once both connections are up; pick_first would never reach "b".
            await eventually(both_answered, timeout=10, message=f"calls went only to {set(answered)}")
        finally:
            await channel.close()
