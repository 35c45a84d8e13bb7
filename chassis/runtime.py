"""The run loop every service's main uses: start everything, wait for a signal, stop in a safe order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc.aio
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import ping, wal_checkpointer
from chassis.gc_policy import settle_heap
from chassis.grpc_server import HealthReporter
from chassis.messaging.consumer import EventConsumer
from chassis.outbox.relay import OutboxRelay
from chassis.settings import ServiceSettings

logger = logging.getLogger(__name__)


class ServiceRuntime:
    """Owns the process lifecycle of one service; `run()` returns after a clean shutdown."""

    port: int

    def __init__(
        self,
        *,
        name: str,
        settings: ServiceSettings,
        server: grpc.aio.Server,
        health: HealthReporter,
        engine: AsyncEngine,
        nats: Client | None,
        relay: OutboxRelay | None,
        consumer: EventConsumer | None,
        background: Sequence[Callable[[], Awaitable[None]]] = (),
        health_interval: float = 2.0,
    ) -> None:
        self.name = name
        self.port = 0
        self._settings = settings
        self._server = server
        self._health = health
        self._engine = engine
        self._nats = nats
        self._relay = relay
        self._consumer = consumer
        self._background = list(background)
        self._health_interval = health_interval
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def request_stop(self) -> None:
        """Begin the graceful shutdown (what SIGTERM and SIGINT do)."""
        self._stop.set()

    async def run(self) -> None:
        """Start, serve until asked to stop (or a background task dies), then shut down in order."""
        loop = asyncio.get_running_loop()
        signals = _install_signal_handlers(loop, self.request_stop)
        failure: BaseException | None = None
        try:
            await self._start()
            failure = await self._wait_for_stop()
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await self._shutdown()
        if failure is not None:
            raise RuntimeError(f"{self.name} stopped because a background task failed") from failure

    async def _wait_for_stop(self) -> BaseException | None:
        stop_waiter = asyncio.create_task(self._stop.wait())
        pending: set[asyncio.Task[Any]] = {stop_waiter, *self._tasks}
        try:
            while stop_waiter in pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task is not stop_waiter and not task.cancelled() and task.exception() is not None:
                        logger.error("%s failed, shutting down", task.get_name(), exc_info=task.exception())
                        return task.exception()
        finally:
            stop_waiter.cancel()
        return None

    async def _start(self) -> None:
        address = f"{self._settings.grpc_host}:{self._settings.grpc_port}"
        self.port = self._server.add_insecure_port(address)
        if self.port == 0:
            raise RuntimeError(f"could not bind gRPC to {address}")
        await self._health.set_serving(False)
        await self._server.start()
        if self._relay is not None:
            self._spawn(self._relay.run(), "outbox relay")
        if self._consumer is not None:
            await self._consumer.start()
        self._spawn(self._health.monitor(self._checks(), self._health_interval), "health monitor")
        for index, job in enumerate(self._background):
            self._spawn(job(), f"background {index}")
        checkpointer = wal_checkpointer(self._engine)
        if checkpointer is not None:
            self._spawn(checkpointer.run(), "sqlite checkpoints")
        # Full collections of the start-up heap stall every request and message in flight (profiled
        # at 70-250 ms per collection under the order saga); see chassis.gc_policy.
        settle_heap()
        logger.info("ready", extra={"port": self.port, "address": f"{self._settings.grpc_host}:{self.port}"})

    def _spawn(self, job: Awaitable[None], name: str) -> None:
        async def wrapper() -> None:
            await job

        self._tasks.append(asyncio.create_task(wrapper(), name=f"{self.name} {name}"))

    def _checks(self) -> list[Callable[[], Awaitable[bool]]]:
        async def database() -> bool:
            return await ping(self._engine)

        checks: list[Callable[[], Awaitable[bool]]] = [database]
        nats = self._nats
        if nats is not None:

            async def broker() -> bool:
                return bool(nats.is_connected)

            checks.append(broker)
        return checks

    async def _shutdown(self) -> None:
        grace = self._settings.shutdown_grace_seconds
        logger.info("shutting down", extra={"grace_seconds": grace})
        await self._health.shutdown()
        if self._consumer is not None:
            await _bounded(self._consumer.stop(), grace, "consumer stop")
        await self._server.stop(grace)
        if self._relay is not None:
            await self._relay.stop(flush_timeout=grace)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._nats is not None and not self._nats.is_closed:
            await _bounded(self._nats.drain(), grace, "nats drain")
            if not self._nats.is_closed:
                await self._nats.close()
        await self._engine.dispose()
        logger.info("stopped")


async def _bounded(job: Awaitable[None], seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            await job
    except TimeoutError:
        logger.warning("%s did not finish within %.1fs", what, seconds)
    except Exception:  # shutdown carries on with the next step
        logger.exception("%s failed", what)


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, callback: Callable[[], None]
) -> list[signal.Signals]:
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Only the main thread of a Unix event loop can own signals; elsewhere rely on request_stop().
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, callback)
            installed.append(sig)
    return installed
