"""Test helpers: nats-server on a free port, polling with a deadline, the PostgreSQL URL, a served service."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

POSTGRES_URL_ENV = "MERCADO_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "MERCADO_REQUIRE_POSTGRES"


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: run `make install`")
    return found


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            # The server greets with INFO once it is ready to serve clients.
            return conn.recv(4).startswith(b"INFO")
    except OSError:
        return False


class NatsServer:
    """A nats-server process with JetStream, for one test or one session; restartable on the same store."""

    def __init__(self, store_dir: Path, port: int | None = None, *, startup_timeout: float = 10.0) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> Self:
        if self._process is not None and self._process.poll() is None:
            return self
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [
            _nats_server_binary(),
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-sd",
            str(self.store_dir),
        ]
        with (self.store_dir / "nats-server.log").open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self._startup_timeout
        while not _accepts_connections(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self._process.returncode}; see {self.store_dir}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"nats-server did not accept connections on {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Graceful stop (SIGTERM), escalating to SIGKILL after 10 s."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def kill(self) -> None:
        """Crash the broker (SIGKILL): nothing is flushed or said to clients."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        self._process = None

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def eventually(
    predicate: Callable[[], Awaitable[bool] | bool],
    *,
    timeout: float = 10,  # noqa: ASYNC109 - a polling budget, not an I/O timeout
    interval: float = 0.05,
    message: str = "",
) -> None:
    """Poll `predicate` until it is true; fail the test with `message` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        outcome = predicate()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        if loop.time() > deadline:
            raise AssertionError(message or f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def postgres_url() -> str:
    """The PostgreSQL URL for tests; skips the test when unset unless MERCADO_REQUIRE_POSTGRES=1."""
    import pytest  # noqa: PLC0415 - test-only dependency, not needed by services importing chassis

    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{POSTGRES_URL_ENV} is not set but {REQUIRE_POSTGRES_ENV}=1")
    pytest.skip(f"{POSTGRES_URL_ENV} is not set")


class _Runtime(Protocol):
    @property
    def port(self) -> int: ...

    def request_stop(self) -> None: ...


@asynccontextmanager
async def serving(
    runtime: _Runtime, service_name: str, run: Callable[[], Coroutine[Any, Any, None]]
) -> AsyncIterator[grpc.aio.Channel]:
    """Run a service in-process until its health check reports `service_name` SERVING; then stop it.

    `run` serves on `runtime` (port 0 in tests); a start-up error is raised here instead of a timeout.
    """
    task = asyncio.create_task(run())
    await eventually(lambda: runtime.port != 0 or task.done(), message="service did not bind a port")
    if task.done():
        await task  # surfaces the start-up error
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.port}")
    try:
        await eventually(
            lambda: _reports_serving(channel, service_name), message="service never reported SERVING"
        )
        yield channel
    finally:
        await channel.close()
        runtime.request_stop()
        await task


async def _reports_serving(channel: grpc.aio.Channel, service_name: str) -> bool:
    request = health_pb2.HealthCheckRequest(service=service_name)
    try:
        reply = await health_pb2_grpc.HealthStub(channel).Check(request, timeout=1)
    except grpc.aio.AioRpcError:
        return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)
