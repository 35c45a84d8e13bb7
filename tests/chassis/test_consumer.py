"""The event consumer: effects happen once, bad messages are dead-lettered, transient failures retried."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import nats.errors
import pytest
from google.protobuf import wrappers_pb2
from nats.js import JetStreamContext
from sqlalchemy import func, insert, select

from chassis.db import SqlUnitOfWork
from chassis.inbox import claim
from chassis.messaging import (
    EventConsumer,
    IncomingEvent,
    PoisonMessage,
    Subscription,
    TransientError,
    connect_nats,
    ensure_streams,
    sql_dead_letters,
)
from chassis.messaging.delivery import KeepAlive
from chassis.naming import durable_for, stream_for
from chassis.outbox import event_message
from chassis.testing import NatsServer, eventually
from chassis.transaction_batch import current_batch

from .conftest import Store

SERVICE = "tester"


@dataclass
class Recorder:
    """A handler applying one effect per event through the inbox, with scripted failures."""

    store: Store
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    deliveries: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, event: IncomingEvent) -> None:
        self.deliveries.append((event.event_id, event.delivery))
        planned = self.failures.get(event.event_id)
        if planned:
            raise planned.pop(0)
        if event.payload == b"undecodable":
            wrappers_pb2.StringValue.FromString(b"\xff\xff\xff")
        async with SqlUnitOfWork(self.store.sessions) as uow:
            if await claim(
                uow.connection, self.store.inbox, durable_for(SERVICE, event.event_type), event.event_id
            ):
                await uow.connection.execute(insert(self.store.effects).values(event_id=event.event_id))
            await uow.commit()


async def publish(
    js: JetStreamContext,
    event_type: str,
    data: bytes = b"data",
    *,
    event_id: str | None = None,
    msg_id: str | None = None,
) -> str:
    message = event_message(event_type, data, source="mercado/test", event_id=event_id)
    headers = {**message.headers, "Nats-Msg-Id": msg_id or message.event_id}
    await js.publish(message.subject, message.payload, headers=headers)
    return message.event_id


async def rows(store: Store, which: str) -> list[dict[str, object]]:
    table = {"effects": store.effects, "dead": store.dead_letters}[which]
    async with store.sessions() as session:
        return [dict(row._mapping) for row in (await session.execute(select(table))).all()]


def count_is(store: Store, which: str, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with store.sessions() as session:
            table = {"effects": store.effects, "dead": store.dead_letters}[which]
            total = (await session.execute(select(func.count()).select_from(table))).scalar_one()
        return bool(total == expected)

    return check


def settled(js: JetStreamContext, event_type: str) -> Callable[[], Awaitable[bool]]:
    """Every delivered message was acked or terminated: nothing pending, nothing waiting for redelivery."""

    async def check() -> bool:
        info = await js.consumer_info(stream_for(event_type), durable_for(SERVICE, event_type))
        return bool(info.num_ack_pending == 0 and info.num_pending == 0 and info.num_redelivered == 0)

    return check


@pytest.fixture
def recorder(store: Store) -> Recorder:
    return Recorder(store)


@pytest.fixture
async def make_consumer(
    js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> AsyncIterator[Callable[..., Awaitable[EventConsumer]]]:
    started: list[EventConsumer] = []

    async def start(
        handler: Callable[[IncomingEvent], Awaitable[None]] | None = None, **options: object
    ) -> EventConsumer:
        await ensure_streams(js, [event_type])
        settings: dict[str, object] = {"backoff": (0.05,), "pull_expiry_seconds": 0.2, **options}
        consumer = EventConsumer(
            js,
            service=SERVICE,
            subscriptions=[Subscription(event_type, handler or recorder)],
            dead_letters=sql_dead_letters(store.sessions, store.dead_letters),
            **settings,  # type: ignore[arg-type]
        )
        await consumer.start()
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        await consumer.stop()


@pytest.fixture
async def consumer(make_consumer: Callable[..., Awaitable[EventConsumer]]) -> AsyncIterator[EventConsumer]:
    running = await make_consumer()
    yield running
    await running.stop()


async def test_handled_event_has_its_effect_and_is_acked(
    consumer: EventConsumer, js: JetStreamContext, store: Store, event_type: str
) -> None:
    event_id = await publish(js, event_type)
    await eventually(count_is(store, "effects", 1))
    await eventually(settled(js, event_type))
    assert [row["event_id"] for row in await rows(store, "effects")] == [event_id]


async def test_a_redelivered_event_has_no_second_effect(
    consumer: EventConsumer, js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> None:
    # The same event reaches the stream twice (a different Nats-Msg-Id defeats broker dedup).
    event_id = await publish(js, event_type, event_id=str(uuid.uuid4()), msg_id="copy-1")
    await publish(js, event_type, event_id=event_id, msg_id="copy-2")

    await eventually(lambda: len(recorder.deliveries) == 2)
    await eventually(settled(js, event_type))
    assert [row["event_id"] for row in await rows(store, "effects")] == [event_id]


async def test_a_transient_failure_is_retried_until_it_succeeds(
    consumer: EventConsumer, js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> None:
    event_id = str(uuid.uuid4())
    recorder.failures[event_id] = [TransientError("db busy"), RuntimeError("surprise")]
    await publish(js, event_type, event_id=event_id)

    await eventually(count_is(store, "effects", 1))
    await eventually(settled(js, event_type))
    assert recorder.deliveries == [(event_id, 1), (event_id, 2), (event_id, 3)]
    assert await rows(store, "dead") == []


async def test_a_malformed_message_is_dead_lettered_and_the_next_one_still_processed(
    consumer: EventConsumer, js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> None:
    await js.publish(event_type, b"no headers at all")
    good_id = await publish(js, event_type)

    await eventually(count_is(store, "effects", 1))
    await eventually(count_is(store, "dead", 1))
    await eventually(settled(js, event_type))
    (dead,) = await rows(store, "dead")
    assert dead["payload"] == b"no headers at all"
    assert "ce-id" in str(dead["error"])
    assert dead["consumer"] == durable_for(SERVICE, event_type)
    assert [event_id for event_id, _ in recorder.deliveries] == [good_id]


async def test_a_mismatched_type_and_an_undecodable_payload_are_dead_lettered(
    consumer: EventConsumer, js: JetStreamContext, store: Store, event_type: str
) -> None:
    wrong = event_message(event_type, b"x", source="mercado/test")
    headers = {**wrong.headers, "ce-type": "mercado.other.v1.Else"}
    await js.publish(event_type, b"x", headers=headers)
    undecodable_id = await publish(js, event_type, b"undecodable")

    await eventually(count_is(store, "dead", 2))
    await eventually(settled(js, event_type))
    errors = sorted(str(row["error"]) for row in await rows(store, "dead"))
    assert errors[0].startswith("DecodeError")
    assert "does not match subscription" in errors[1]
    assert undecodable_id in {row["event_id"] for row in await rows(store, "dead")}
    assert await rows(store, "effects") == []


async def test_a_poison_message_is_dead_lettered_without_retry(
    consumer: EventConsumer, js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> None:
    event_id = str(uuid.uuid4())
    recorder.failures[event_id] = [PoisonMessage("order refers to an unknown sku")]
    await publish(js, event_type, event_id=event_id)

    await eventually(count_is(store, "dead", 1))
    await eventually(settled(js, event_type))
    (dead,) = await rows(store, "dead")
    assert (dead["event_id"], dead["deliveries"]) == (event_id, 1)
    assert "unknown sku" in str(dead["error"])
    assert recorder.deliveries == [(event_id, 1)]


async def test_the_last_allowed_delivery_is_dead_lettered(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    recorder: Recorder,
    event_type: str,
) -> None:
    event_id = str(uuid.uuid4())
    recorder.failures[event_id] = [RuntimeError(f"attempt {n}") for n in range(1, 10)]
    await make_consumer(max_deliver=3)
    await publish(js, event_type, event_id=event_id)
    await eventually(count_is(store, "dead", 1))
    await eventually(settled(js, event_type))
    (dead,) = await rows(store, "dead")
    assert dead["deliveries"] == 3
    assert "gave up after 3 deliveries" in str(dead["error"])
    assert [delivery for _, delivery in recorder.deliveries] == [1, 2, 3]


async def test_a_dead_letter_that_cannot_be_written_is_offered_again(
    js: JetStreamContext, store: Store, recorder: Recorder, event_type: str
) -> None:
    class FlakySink:
        def __init__(self) -> None:
            self.attempts = 0
            self.recorded: list[str] = []

        async def record(self, consumer: str, msg: IncomingEvent, error: str) -> None:
            self.attempts += 1
            if self.attempts == 1:
                raise ConnectionError("database away")
            self.recorded.append(msg.event_id)

    sink = FlakySink()
    event_id = str(uuid.uuid4())
    recorder.failures[event_id] = [PoisonMessage("bad"), PoisonMessage("still bad")]
    await ensure_streams(js, [event_type])
    consumer = EventConsumer(
        js,
        service=SERVICE,
        subscriptions=[Subscription(event_type, recorder)],
        dead_letters=sink,
        backoff=(0.05,),
        pull_expiry_seconds=0.3,
    )
    await consumer.start()
    try:
        await publish(js, event_type, event_id=event_id)
        await eventually(lambda: sink.recorded == [event_id])
    finally:
        await consumer.stop()


async def test_an_event_failing_while_the_database_is_down_is_retried_past_the_delivery_limit(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    recorder: Recorder,
    event_type: str,
) -> None:
    # An outage outlasting the backoff schedule: every attempt until the database is back fails to
    # connect. The event must neither be dead-lettered nor left undelivered by the broker.
    event_id = str(uuid.uuid4())
    refused = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    recorder.failures[event_id] = [refused] * 6
    await make_consumer(max_deliver=2)
    await publish(js, event_type, event_id=event_id)

    await eventually(count_is(store, "effects", 1))
    await eventually(settled(js, event_type))
    assert [delivery for _, delivery in recorder.deliveries] == [1, 2, 3, 4, 5, 6, 7]
    assert await rows(store, "dead") == []


async def test_restarting_with_new_settings_updates_the_durable_consumer(
    make_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext, event_type: str
) -> None:
    first = await make_consumer(max_deliver=5, ack_wait_seconds=10)
    await first.stop()
    second = await make_consumer(max_deliver=7, ack_wait_seconds=20)
    await second.stop()

    info = await js.consumer_info(stream_for(event_type), durable_for(SERVICE, event_type))
    assert info.config.ack_wait == 20
    # The server never gives up by itself: the consumer dead-letters after its own max_deliver.
    assert info.config.max_deliver == -1
    assert info.config.filter_subject == event_type


async def test_stop_lets_in_flight_handlers_finish_and_ack(
    make_consumer: Callable[..., Awaitable[EventConsumer]], js: JetStreamContext, event_type: str
) -> None:
    entered: list[str] = []
    finished: list[str] = []

    async def slow(event: IncomingEvent) -> None:
        entered.append(event.event_id)
        # Still working when the shutdown begins.
        await eventually(lambda: running.stopping, timeout=5)
        finished.append(event.event_id)

    running = await make_consumer(handler=slow)
    event_id = await publish(js, event_type)
    await eventually(lambda: entered == [event_id])

    await running.stop()

    assert finished == [event_id]
    await eventually(settled(js, event_type))


async def test_consuming_resumes_after_the_broker_restarts(
    tmp_path: Path, store: Store, recorder: Recorder, event_type: str
) -> None:
    server = NatsServer(tmp_path / "nats").start()
    client = await connect_nats(server.url, name="restart-test", reconnect_time_wait=0.1)
    js = client.jetstream(timeout=1)
    consumer = EventConsumer(
        js,
        service=SERVICE,
        subscriptions=[Subscription(event_type, recorder)],
        dead_letters=sql_dead_letters(store.sessions, store.dead_letters),
        pull_expiry_seconds=0.2,
    )
    try:
        await ensure_streams(js, [event_type])
        await consumer.start()
        before = await publish(js, event_type)
        await eventually(count_is(store, "effects", 1))

        server.kill()
        server.start()  # same port and store: stream and durable consumer survive
        after = str(uuid.uuid4())

        async def published_after_reconnect() -> bool:
            # The client notices the restart asynchronously; retry with the same id like the relay does.
            try:
                await publish(js, event_type, event_id=after)
            except nats.errors.Error:
                return False
            return True

        await eventually(published_after_reconnect, message="could not publish after the restart")

        await eventually(count_is(store, "effects", 2), message="consumer did not resume after the restart")
        assert {row["event_id"] for row in await rows(store, "effects")} == {before, after}
    finally:
        await consumer.stop()
        await client.close()
        server.stop()


async def test_a_slow_handler_keeps_telling_the_broker_it_is_in_progress() -> None:
    class FakeMsg:
        def __init__(self) -> None:
            self.progress_reports = 0

        async def in_progress(self) -> None:
            self.progress_reports += 1

    msg = FakeMsg()
    with KeepAlive(msg, interval=0.01):  # type: ignore[arg-type]
        await eventually(lambda: msg.progress_reports >= 3)


@dataclass
class FailingAfterWriting:
    """Writes its effect, then fails for the chosen events: only a rollback can undo their write."""

    store: Store
    poison: set[str] = field(default_factory=set)
    in_batch: list[bool] = field(default_factory=list)

    async def __call__(self, event: IncomingEvent) -> None:
        self.in_batch.append(current_batch() is not None)
        async with SqlUnitOfWork(self.store.sessions) as uow:
            consumer = durable_for(SERVICE, event.event_type)
            if await claim(uow.connection, self.store.inbox, consumer, event.event_id):
                await uow.connection.execute(insert(self.store.effects).values(event_id=event.event_id))
            if event.event_id in self.poison:
                raise PoisonMessage("refused after writing")
            await uow.commit()


async def test_a_backlog_is_handled_in_batches_where_a_poison_message_is_rolled_back_alone(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    event_type: str,
) -> None:
    await ensure_streams(js, [event_type])
    handler = FailingAfterWriting(store)
    event_ids = [await publish(js, event_type) for _ in range(12)]
    handler.poison = {event_ids[5], event_ids[9]}

    await make_consumer(handler)

    await eventually(count_is(store, "dead", 2))
    await eventually(settled(js, event_type))
    healthy = sorted(set(event_ids) - handler.poison)
    assert sorted(str(row["event_id"]) for row in await rows(store, "effects")) == healthy
    assert sorted(str(row["event_id"]) for row in await rows(store, "dead")) == sorted(handler.poison)
    assert any(handler.in_batch), "the backlog should have been fetched and handled as a batch"


async def test_two_replicas_share_a_durable_and_each_event_has_one_effect(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    event_type: str,
) -> None:
    first, second = Recorder(store), Recorder(store)
    await make_consumer(first)
    await make_consumer(second)
    event_ids = [await publish(js, event_type) for _ in range(40)]

    await eventually(count_is(store, "effects", 40))
    await eventually(settled(js, event_type))
    assert sorted(str(row["event_id"]) for row in await rows(store, "effects")) == sorted(event_ids)
    handled_by = [{event_id for event_id, _ in replica.deliveries} for replica in (first, second)]
    assert all(handled_by), "both replicas should have taken a share of the events"
    assert handled_by[0].isdisjoint(handled_by[1]), "an acked event was delivered to the other replica"


async def test_the_broker_sends_no_more_messages_than_there_are_free_handler_slots(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    recorder: Recorder,
    event_type: str,
) -> None:
    await ensure_streams(js, [event_type])
    event_ids = [await publish(js, event_type) for _ in range(10)]
    entered: list[str] = []
    release = asyncio.Event()

    async def held(event: IncomingEvent) -> None:
        entered.append(event.event_id)
        await release.wait()
        await recorder(event)

    await make_consumer(held, batch_size=4)
    try:
        await eventually(lambda: len(entered) >= 4)
        # All ten were waiting in the stream: a request for more than the four free slots would
        # have brought the rest along with these four.
        info = await js.consumer_info(stream_for(event_type), durable_for(SERVICE, event_type))
        assert (len(entered), info.num_ack_pending, info.num_pending) == (4, 4, 6)
    finally:
        release.set()
    await eventually(count_is(store, "effects", 10))
    await eventually(settled(js, event_type))
    assert sorted(entered) == sorted(event_ids)


async def test_a_durable_deleted_and_created_again_is_consumed_again(
    make_consumer: Callable[..., Awaitable[EventConsumer]],
    js: JetStreamContext,
    store: Store,
    recorder: Recorder,
    event_type: str,
) -> None:
    running = await make_consumer()
    before = await publish(js, event_type)
    await eventually(count_is(store, "effects", 1))

    # The open pull request is refused (409 consumer deleted), then asking finds no consumer (503):
    # the consumer backs off and keeps asking until an operator, or a restarted replica, creates it.
    stream, durable = stream_for(event_type), durable_for(SERVICE, event_type)
    await js.delete_consumer(stream, durable)
    await js.add_consumer(stream, running.consumer_config(event_type))
    after = await publish(js, event_type)

    await eventually(count_is(store, "effects", 2), message="consuming did not resume")
    await eventually(settled(js, event_type))
    assert sorted(str(row["event_id"]) for row in await rows(store, "effects")) == sorted([before, after])
    # The new durable starts from the stream's first event again; the inbox absorbs the repeat.
    assert [event_id for event_id, _ in recorder.deliveries].count(before) == 2
