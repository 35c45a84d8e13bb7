"""The pull consumers of one service: receive, run handlers, then ack, nak with backoff or dead-letter."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from chassis.errors import database_unavailable
from chassis.logs import bind_log_context
from chassis.messaging.dead_letters import DeadLetterSink
from chassis.messaging.delivery import KeepAlive, StandingPull, settle
from chassis.messaging.events import (
    IncomingEvent,
    PoisonMessage,
    Subscription,
    TransientError,
    validate_event,
)
from chassis.naming import durable_for, stream_for, subject_for
from chassis.tracing import new_trace_id, trace_id_from
from chassis.transaction_batch import TransactionBatch

logger = logging.getLogger(__name__)

# The server never stops offering a message by itself (-1: no limit): this consumer decides when to
# give up (dead-letter it), and never while the database is unreachable, so an outage longer than the
# backoff schedule cannot strand an event unacknowledged and undelivered.
SERVER_MAX_DELIVER = -1


def incoming_event(msg: Msg) -> IncomingEvent:
    headers = dict(msg.headers or {})
    return IncomingEvent(
        event_id=headers.get("ce-id", ""),
        event_type=headers.get("ce-type", ""),
        subject=msg.subject,
        payload=msg.data,
        headers=headers,
        delivery=msg.metadata.num_delivered,
    )


class EventConsumer:
    """Durable pull consumers (one per subscription) with explicit ack; handlers run concurrently.

    A handler must commit its effect together with `inbox.claim(...)`: the message is acked only after
    the handler returns, and may still be delivered again, so the inbox is what prevents a second effect.
    `max_deliver` counts handler attempts; the last failed attempt is dead-lettered, unless it failed
    because the database is unreachable: such an event is offered again until the database is back.
    """

    def __init__(
        self,
        js: JetStreamContext,
        *,
        service: str,
        subscriptions: Sequence[Subscription],
        dead_letters: DeadLetterSink,
        max_deliver: int = 10,
        ack_wait_seconds: float = 30,
        batch_size: int = 64,
        backoff: Sequence[float] = (0.2, 0.5, 1, 2, 5, 10),
        pull_expiry_seconds: float = 1.0,
    ) -> None:
        if max_deliver < 1 or batch_size < 1 or not backoff:
            raise ValueError("max_deliver and batch_size must be positive and backoff non-empty")
        self._js = js
        self._service = service
        self._subscriptions = list(subscriptions)
        self._dead_letters = dead_letters
        self._max_deliver = max_deliver
        self._ack_wait = ack_wait_seconds
        self._batch_size = batch_size
        self._backoff = list(backoff)
        self._pull_expiry = pull_expiry_seconds
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []

    def consumer_config(self, event_type: str) -> ConsumerConfig:
        durable = durable_for(self._service, event_type)
        return ConsumerConfig(
            name=durable,
            durable_name=durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_deliver=SERVER_MAX_DELIVER,
            filter_subject=subject_for(event_type),
            max_ack_pending=max(1000, 4 * self._batch_size),
        )

    async def start(self) -> None:
        """Create or update every durable consumer explicitly, then keep a pull request open for each."""
        self._stopping.clear()
        for subscription in self._subscriptions:
            stream = stream_for(subscription.event_type)
            config = self.consumer_config(subscription.event_type)
            # Create-or-update: binding to an existing durable would keep its old config.
            await self._js.add_consumer(stream, config)
            durable = str(config.durable_name)
            pull = StandingPull(
                self._js,
                stream,
                durable,
                functools.partial(self.handle_batch, subscription, durable),
                stopping=self._stopping,
                max_in_flight=self._batch_size,
                expiry=self._pull_expiry,
            )
            self._loops.append(asyncio.create_task(pull.run(), name=f"consume {durable}"))
            logger.info("consuming %s as %s", subscription.event_type, config.durable_name)

    async def stop(self) -> None:
        """Stop asking for messages and wait for in-flight handlers (each open pull request ends first)."""
        self._stopping.set()
        loops, self._loops = self._loops, []
        if loops:
            await asyncio.gather(*loops, return_exceptions=True)

    @property
    def stopping(self) -> bool:
        """True once `stop()` was called: handlers may use it to cut long work short."""
        return self._stopping.is_set()

    async def handle(self, subscription: Subscription, durable: str, msg: Msg) -> None:
        """Run the handler for one message in its own transaction and settle it with the broker."""
        event = incoming_event(msg)
        error = await self._attempt(subscription, durable, msg, event)
        await self._conclude(durable, msg, event, error)

    async def handle_batch(self, subscription: Subscription, durable: str, messages: list[Msg]) -> None:
        """Run the handlers of messages that arrived together in one transaction, then settle each one.

        Messages are acked only after the commit. If a handler's unit of work did not commit (it
        failed after writing, or found a duplicate) or the commit fails, the batch is rolled back and
        every message is handled again in a transaction of its own, so a poison message is
        dead-lettered alone and nothing it wrote survives.
        """
        if len(messages) == 1:
            await self.handle(subscription, durable, messages[0])
            return
        events = [incoming_event(msg) for msg in messages]
        batch = TransactionBatch()
        errors: list[Exception | None] | None = None
        try:
            with batch.active():  # the handlers' tasks inherit the batch through their context
                attempts = await asyncio.gather(
                    *(
                        self._attempt(subscription, durable, msg, event)
                        for msg, event in zip(messages, events, strict=True)
                    )
                )
            if not batch.spoiled:
                await batch.commit()
                errors = attempts
        except Exception:
            logger.exception("a batch of %d messages failed to commit", len(messages))
        finally:
            await batch.close()
        if errors is None:
            await asyncio.gather(*(self.handle(subscription, durable, msg) for msg in messages))
            return
        await asyncio.gather(
            *(
                self._conclude(durable, msg, event, error)
                for msg, event, error in zip(messages, events, errors, strict=True)
            )
        )

    async def _attempt(
        self, subscription: Subscription, durable: str, msg: Msg, event: IncomingEvent
    ) -> Exception | None:
        """Run the handler; its failure is returned, to be settled once the transaction has ended."""
        with _log_context(event, durable):
            try:
                validate_event(event, subscription.event_type)
                with KeepAlive(msg, self._ack_wait / 2):
                    await subscription.handler(event)
            except Exception as error:  # settled by _conclude
                return error
        return None

    async def _conclude(self, durable: str, msg: Msg, event: IncomingEvent, error: Exception | None) -> None:
        with _log_context(event, durable):
            if error is None:
                await settle(msg.ack, event)
            elif isinstance(error, PoisonMessage | DecodeError):
                await self._dead_letter(durable, msg, event, f"{type(error).__name__}: {error}")
            else:  # every other failure is retried, then dead-lettered
                await self._retry_or_give_up(durable, msg, event, error)

    async def _retry_or_give_up(self, durable: str, msg: Msg, event: IncomingEvent, error: Exception) -> None:
        outage = database_unavailable(error)
        if event.delivery >= self._max_deliver and not outage:
            reason = f"gave up after {event.delivery} deliveries: {type(error).__name__}: {error}"
            await self._dead_letter(durable, msg, event, reason)
            return
        delay = self._backoff[min(event.delivery, len(self._backoff)) - 1]
        if outage:
            logger.warning("database unavailable, retry in %.1fs: %s", delay, error)
        elif isinstance(error, TransientError):
            logger.warning("transient failure, retry in %.1fs: %s", delay, error)
        else:
            logger.error("handler failed, retry in %.1fs", delay, exc_info=error)
        await settle(lambda: msg.nak(delay=delay), event)

    async def _dead_letter(self, durable: str, msg: Msg, event: IncomingEvent, reason: str) -> None:
        try:
            await self._dead_letters.record(durable, event, reason)
        except Exception:  # keep the message: it is offered again later
            logger.exception("could not record dead letter; message will be redelivered")
            delay = self._backoff[min(event.delivery, len(self._backoff)) - 1]
            await settle(lambda: msg.nak(delay=delay), event)
            return
        logger.error("dead-lettered: %s", reason)
        await settle(msg.term, event)


def _log_context(event: IncomingEvent, durable: str) -> contextlib.AbstractContextManager[None]:
    # Without a traceparent the event's id stands in, so its attempt and its settling log alike.
    trace_id = trace_id_from(event.headers.get("traceparent")) or _trace_id_for(event.event_id)
    return bind_log_context(event_id=event.event_id, trace_id=trace_id, consumer=durable)


def _trace_id_for(event_id: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, event_id).hex if event_id else new_trace_id()
