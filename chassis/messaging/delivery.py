"""Broker-side plumbing of consuming: the standing pull request, keep-alives and settling messages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

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


class StandingPull:
    """Keeps one pull request open for a durable and hands what arrives to `handle`, in batches.

    A request asks for as many messages as the free handler slots (`max_in_flight` minus the
    messages being handled), so the broker never sends more than this replica can start. The broker
    answers on a private inbox as messages arrive, and ends a request when it is filled, or with a
    status when it expires (408) or cannot be served (409, 503). The next request goes out as soon
    as the last one has ended and a slot is free: under load one request carries many messages,
    where asking for one message per fetch cost a publish, a wait and a broker round trip each.

    Messages that reach the inbox together (one socket read) are handed over as one batch. A
    request whose end never arrives (the connection dropped and the broker forgot it) is written
    off a little after its expiry, and a new one is sent.
    """

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        durable: str,
        handle: Callable[[list[Msg]], Coroutine[Any, Any, None]],
        *,
        stopping: asyncio.Event,
        max_in_flight: int,
        expiry: float,
    ) -> None:
        # nats-py 2.16 offers one-shot fetches only; a standing request needs the client and the API
        # prefix the JetStream context was made with.
        self._nc = js._nc
        self._next_subject = f"{js._prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._durable = durable
        self._handle = handle
        self._stopping = stopping
        self._max_in_flight = max_in_flight
        self._expiry = expiry
        self._in_flight: dict[asyncio.Task[None], int] = {}
        self._arrived: list[Msg] = []
        self._dispatch_scheduled = False
        self._wanted = 0  # messages the open request may still bring; 0: no request open
        self._written_off_at = 0.0
        self._failures = 0
        self._resume_at = 0.0
        self._wake = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        inbox = self._nc.new_inbox()
        subscription = await self._nc.subscribe(inbox, cb=self._receive)
        stopping = asyncio.ensure_future(self._stopping.wait())
        stopping.add_done_callback(lambda _: self._wake.set())
        try:
            while not (self._stopping.is_set() and self._wanted == 0):
                raise_if_cancelled()
                now = loop.time()
                if self._wanted and now >= self._written_off_at:
                    logger.warning("pull request for %s got no answer: asking again", self._durable)
                    self._wanted = 0
                if not self._wanted and not self._stopping.is_set() and now >= self._resume_at:
                    free = self._max_in_flight - sum(self._in_flight.values()) - len(self._arrived)
                    if free > 0 and not await self._ask(inbox, free):
                        break
                self._wake.clear()
                wake_at = self._written_off_at if self._wanted else self._resume_at
                timer = loop.call_at(wake_at, self._wake.set) if wake_at > now else None
                await self._wake.wait()
                if timer is not None:
                    timer.cancel()
        finally:
            stopping.cancel()
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
            self._dispatch()
            if self._in_flight:
                await asyncio.wait(self._in_flight)

    async def _ask(self, inbox: str, batch: int) -> bool:
        """Send a request for `batch` messages; False once the connection is closed for good."""
        if self._nc.is_reconnecting:
            # A request buffered now would reach the broker with every other one written off while
            # it was away, together asking for far more than the free slots: wait for the link.
            self._resume_at = asyncio.get_running_loop().time() + min(self._expiry, 0.1)
            return True
        request = {"batch": batch, "expires": int(self._expiry * 1e9)}
        try:
            await self._nc.publish(self._next_subject, json.dumps(request).encode(), reply=inbox)
        except nats.errors.ConnectionClosedError:
            logger.warning("nats connection closed for good: stop consuming %s", self._durable)
            return False
        except Exception as error:  # a full reconnect buffer, say: back off and try again
            self._fail(f"could not send a pull request: {error!r}")
            return True
        self._wanted = batch
        self._written_off_at = asyncio.get_running_loop().time() + self._expiry * 1.5 + 0.1
        return True

    async def _receive(self, msg: Msg) -> None:
        status = (msg.headers or {}).get(api.Header.STATUS) if not msg.reply else None
        if status is None:
            self._failures = 0
            self._arrived.append(msg)
            if not self._dispatch_scheduled:  # after the rest of this read has arrived too
                self._dispatch_scheduled = True
                asyncio.get_running_loop().call_soon(self._dispatch)
            if self._wanted:
                self._wanted -= 1
                if not self._wanted:
                    self._wake.set()
            return
        if status == api.StatusCode.CONTROL_MESSAGE:
            return
        self._wanted = 0
        if status in (api.StatusCode.REQUEST_TIMEOUT, api.StatusCode.NO_MESSAGES):
            self._failures = 0
        else:  # 409 (consumer deleted, leader changed, too many requests), 503 (no JetStream), ...
            description = (msg.headers or {}).get(api.Header.DESCRIPTION, "")
            self._fail(f"pull request refused: {status} {description}")
        self._wake.set()

    def _fail(self, reason: str) -> None:
        self._failures += 1
        logger.warning("consuming %s: %s", self._durable, reason)
        self._resume_at = asyncio.get_running_loop().time() + backoff_delay(self._failures, base=0.2, cap=5.0)

    def _dispatch(self) -> None:
        self._dispatch_scheduled = False
        if not self._arrived:
            return
        arrived, self._arrived = self._arrived, []
        # More than the slots arrive only when a request written off was answered after all.
        for start in range(0, len(arrived), self._max_in_flight):
            messages = arrived[start : start + self._max_in_flight]
            task = asyncio.create_task(self._handle(messages))
            self._in_flight[task] = len(messages)
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        if not self._wanted:
            self._wake.set()
