"""The service runtime: on stop, health goes NOT_SERVING, in-flight work finishes, the outbox flushes."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import grpc
import grpc.aio
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.client import Client

from chassis.gc_policy import YOUNG_GENERATION_THRESHOLD
from chassis.grpc_server import HealthReporter, create_server, enable_reflection
from chassis.messaging import (
    EventConsumer,
    IncomingEvent,
    Subscription,
    connect_nats,
    ensure_streams,
    sql_dead_letters,
)
from chassis.naming import stream_for
from chassis.outbox import OutboxRelay, event_message
from chassis.runtime import ServiceRuntime
from chassis.settings import ServiceSettings
from chassis.testing import eventually

from .conftest import Store

SERVICE = "mercado.test.v1.ProbeService"
ROOT = Path(__file__).resolve().parents[2]


class RuntimeSettings(ServiceSettings):
    grpc_port: int = 0


class SlowProbe:
    """A servicer whose one RPC waits until the test releases it."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def slow(self, request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        self.entered.set()
        await self.release.wait()
        return b"done"

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE, {"Slow": grpc.unary_unary_rpc_method_handler(self.slow)}
        )


async def watch_health(channel: grpc.aio.Channel, seen: list[int]) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    async for reply in stub.Watch(health_pb2.HealthCheckRequest(service=SERVICE)):
        seen.append(reply.status)


@pytest.fixture
async def service_nats(nats_url: str) -> AsyncIterator[Client]:
    client = await connect_nats(nats_url, name="runtime-test", reconnect_time_wait=0.1)
    yield client
    if not client.is_closed:
        await client.close()


async def test_stop_goes_not_serving_finishes_rpcs_flushes_outbox_and_returns(
    store: Store, sqlite_url: str, service_nats: Client, js: Any, event_type: str
) -> None:
    service_js = service_nats.jetstream(timeout=2)
    await ensure_streams(js, [event_type])
    handled: list[str] = []

    async def handler(event: IncomingEvent) -> None:
        handled.append(event.event_id)

    probe = SlowProbe()
    server = create_server(error_table={}, max_message_bytes=1 << 20)
    server.add_generic_rpc_handlers([probe.handler()])
    health = HealthReporter([SERVICE])
    health.register(server)
    enable_reflection(server, [SERVICE])
    runtime = ServiceRuntime(
        name="probe",
        settings=RuntimeSettings(database_url=sqlite_url, shutdown_grace_seconds=5),
        server=server,
        health=health,
        engine=store.engine,
        nats=service_nats,
        # A long idle poll: the event written below without notify() is only published by stop()'s flush.
        relay=OutboxRelay(store.outbox, store.sessions, service_js, idle_poll_seconds=60),
        consumer=EventConsumer(
            service_js,
            service="probe",
            subscriptions=[Subscription(event_type, handler)],
            dead_letters=sql_dead_letters(store.sessions, store.dead_letters),
            pull_expiry_seconds=0.2,
        ),
        health_interval=0.05,
    )
    running = asyncio.create_task(runtime.run())
    await eventually(lambda: health.serving, message="service never became SERVING")

    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.port}")
    seen: list[int] = []
    watcher = asyncio.create_task(watch_health(channel, seen))
    await eventually(lambda: seen == [health_pb2.HealthCheckResponse.SERVING])
    consumed = event_message(event_type, b"consumed while running", source="mercado/test")
    await js.publish(consumed.subject, consumed.payload, headers=consumed.headers)
    await eventually(lambda: handled == [consumed.event_id], message="consumer was not started")
    message = event_message(event_type, b"written before stop", source="mercado/test")
    async with store.engine.begin() as connection:
        await store.outbox.stage(connection, [message])
    slow: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(f"/{SERVICE}/Slow")
    in_flight = asyncio.ensure_future(slow(b""))
    await probe.entered.wait()

    runtime.request_stop()
    await eventually(lambda: seen[-1] == health_pb2.HealthCheckResponse.NOT_SERVING)
    watcher.cancel()
    probe.release.set()

    assert await in_flight == b"done"
    await running  # returned normally: `python -m <service>` exits 0
    assert running.exception() is None
    await channel.close()
    assert service_nats.is_closed
    info = await js.stream_info(stream_for(event_type))
    assert info.state.messages == 2  # the consumed event and the one flushed by stop()


async def test_a_crashed_background_task_stops_the_service_with_an_error(
    store: Store, sqlite_url: str
) -> None:
    async def crashing() -> None:
        raise ValueError("cache warmer broke")

    server = create_server(error_table={}, max_message_bytes=1 << 20)
    health = HealthReporter([SERVICE])
    health.register(server)
    runtime = ServiceRuntime(
        name="probe",
        settings=RuntimeSettings(database_url=sqlite_url, shutdown_grace_seconds=1),
        server=server,
        health=health,
        engine=store.engine,
        nats=None,
        relay=None,
        consumer=None,
        background=[crashing],
    )
    with pytest.raises(RuntimeError, match="background task failed") as raised:
        await runtime.run()
    assert isinstance(raised.value.__cause__, ValueError)
    assert not health.serving


async def test_start_up_settles_the_heap_and_starts_checkpointing_the_sqlite_file(
    store: Store, sqlite_url: str
) -> None:
    gc.set_threshold(700, 10, 10)
    seen: dict[str, object] = {}

    async def look_around() -> None:
        seen["young threshold"] = gc.get_threshold()[0]
        seen["tasks"] = {task.get_name() for task in asyncio.all_tasks()}
        raise ValueError("done looking")

    server = create_server(error_table={}, max_message_bytes=1 << 20)
    health = HealthReporter([SERVICE])
    health.register(server)
    runtime = ServiceRuntime(
        name="probe",
        settings=RuntimeSettings(database_url=sqlite_url, shutdown_grace_seconds=1),
        server=server,
        health=health,
        engine=store.engine,
        nats=None,
        relay=None,
        consumer=None,
        background=[look_around],
    )
    with pytest.raises(RuntimeError, match="background task failed"):
        await runtime.run()
    assert seen["young threshold"] == YOUNG_GENERATION_THRESHOLD
    assert "probe sqlite checkpoints" in cast(set[str], seen["tasks"])


def test_sigterm_stops_the_process_cleanly_with_exit_code_0(sqlite_url: str) -> None:
    env = {
        **os.environ,
        "RUNTIME_TEST_DATABASE_URL": sqlite_url,
        "RUNTIME_TEST_SHUTDOWN_GRACE_SECONDS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.chassis.runtime_process"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        logs = []
        for line in process.stderr:
            logs.append(json.loads(line))
            if logs[-1]["msg"] == "ready":
                break
        assert logs[-1]["msg"] == "ready"
        assert logs[-1]["port"] > 0
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
        rest = [json.loads(line) for line in process.stderr.read().splitlines()]
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0
    # The first health check may pass before or after the signal arrives; it is not part of stopping.
    messages = [entry["msg"] for entry in rest if not entry["msg"].startswith("health: SERVING")]
    assert messages[0] == "shutting down"
    assert messages[-1] == "stopped"
    assert all(entry["service"] == "runtime-test" for entry in rest)


async def test_a_port_already_in_use_fails_start_up_with_the_address(store: Store, sqlite_url: str) -> None:
    occupant = create_server(error_table={}, max_message_bytes=1 << 20)
    port = occupant.add_insecure_port("127.0.0.1:0")
    await occupant.start()
    server = create_server(error_table={}, max_message_bytes=1 << 20)
    health = HealthReporter([SERVICE])
    health.register(server)
    runtime = ServiceRuntime(
        name="probe",
        settings=RuntimeSettings(database_url=sqlite_url, grpc_port=port, shutdown_grace_seconds=1),
        server=server,
        health=health,
        engine=store.engine,
        nats=None,
        relay=None,
        consumer=None,
    )
    try:
        with pytest.raises(RuntimeError, match=f"127.0.0.1:{port}"):
            await runtime.run()
    finally:
        await occupant.stop(None)
