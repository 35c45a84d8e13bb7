"""Broker-side plumbing of consuming: the fetch loop, in-progress keep-alives and settling messages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from chassis.messaging.events import IncomingEvent
from chassis.retrying import backoff_delay, raise_if_cancelled

logger = logging.getLogger(__name__)


async def settle(action: Callable[[], Awaitable[None]], event: IncomingEvent) -> None:
    # A lost ack/nak only means the broker redelivers; the inbox makes that harmless.
    try:
        await action()
    except Exception as error:
        logger.warning("could not settle event %s with the broker: %r", event.event_id, error)


class KeepAlive:
    """While a handler runs longer than half the ack wait, tell the broker it is still in progress.

    Without it a slow handler (a queue for the database, a retried dependency) gets its message
    redelivered to a concurrent handler while it is still working on it.
    """

    def __init__(self, msg: Msg, interval: float) -> None:
        self._msg = msg
        self._interval = interval
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def __enter__(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._beat)

    def __exit__(self, *_: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _beat(self) -> None:
        task = asyncio.create_task(self._msg.in_progress())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        self._timer = asyncio.get_running_loop().call_later(self._interval, self._beat)


class FetchLoop:
    """Fetches for one durable and hands each fetched batch to `handle`, up to `max_in_flight` messages."""

    def __init__(
        self,
        pull: JetStreamContext.PullSubscription,
        durable: str,
        handle: Callable[[list[Msg]], Coroutine[Any, Any, None]],
        *,
        stopping: asyncio.Event,
        max_in_flight: int,
        fetch_timeout: float,
    ) -> None:
        self._pull = pull
        self._durable = durable
        self._handle = handle
        self._stopping = stopping
        self._max_in_flight = max_in_flight
        self._fetch_timeout = fetch_timeout
        self._in_flight: dict[asyncio.Task[None], int] = {}

    async def run(self) -> None:
        failures = 0
        backlog = 0
        while not self._stopping.is_set():
            raise_if_cancelled()
            free = self._max_in_flight - sum(self._in_flight.values())
            if free <= 0:
                await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            # An idle consumer asks for one message: nats-py returns it as soon as it arrives, whereas
            # a multi-message fetch waits for the full batch or the timeout. With a known backlog, ask
            # for what is there.
            want = min(free, backlog) if backlog else 1
            try:
                messages = await self._pull.fetch(want, timeout=self._fetch_timeout)
            except TimeoutError:
                backlog = 0
                continue
            except nats.errors.ConnectionClosedError:
                logger.warning("nats connection closed for good: stop consuming %s", self._durable)
                break
            except Exception as error:  # broker outage: back off and keep trying
                failures += 1
                logger.warning("fetch for %s failed: %r", self._durable, error)
                await self._pause(failures)
                continue
            failures = 0
            if messages:
                self._spawn(messages)
            backlog = messages[-1].metadata.num_pending if messages else 0
        if self._in_flight:
            await asyncio.wait(self._in_flight)
        with contextlib.suppress(Exception):
            await self._pull.unsubscribe()

    def _spawn(self, messages: list[Msg]) -> None:
        task = asyncio.create_task(self._handle(messages))
        self._in_flight[task] = len(messages)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)

    async def _pause(self, failures: int) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(backoff_delay(failures, base=0.2, cap=5.0)):
                await self._stopping.wait()
