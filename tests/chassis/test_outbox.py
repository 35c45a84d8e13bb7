"""The outbox relay: events reach JetStream once, with their headers, even across broker outages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import update

from chassis.db import SqlUnitOfWork
from chassis.logs import bind_log_context
from chassis.messaging import connect_nats, ensure_streams
from chassis.naming import stream_for
from chassis.outbox import OutboxMessage, OutboxRelay, event_message, outbox_message
from chassis.testing import NatsServer, eventually
from mercado.inventory.v1 import events_pb2

from .conftest import Store


async def write_event(store: Store, message: OutboxMessage) -> None:
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        uow.publish(message)
        await uow.commit()


async def stream_messages(js: JetStreamContext, event_type: str) -> int:
    info = await js.stream_info(stream_for(event_type))
    return int(info.state.messages)


def pending_is(relay: OutboxRelay, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await relay.pending() == expected

    return check


def stored_is(js: JetStreamContext, event_type: str, expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await stream_messages(js, event_type) == expected

    return check


async def read_all(
    js: JetStreamContext, event_type: str, expected: int
) -> list[tuple[bytes, dict[str, str]]]:
    config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, filter_subject=event_type)
    pull = await js.pull_subscribe(event_type, stream=stream_for(event_type), config=config)
    messages = await pull.fetch(expected, timeout=2)
    await pull.unsubscribe()
    return [(m.data, dict(m.headers or {})) for m in messages]


def test_outbox_message_is_named_after_the_protobuf_type_with_cloudevents_headers() -> None:
    payload = events_pb2.StockLow(sku="SKU-1")
    with bind_log_context(trace_id="b" * 32):
        message = outbox_message(payload, source="mercado/inventory")

    assert message.event_type == "mercado.inventory.v1.StockLow"
    assert message.subject == "mercado.inventory.v1.StockLow"
    assert events_pb2.StockLow.FromString(message.payload) == payload
    headers = message.headers
    assert headers["ce-id"] == message.event_id
    assert uuid.UUID(message.event_id)
    assert headers["ce-type"] == message.event_type
    assert headers["ce-source"] == "mercado/inventory"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-time"].endswith("Z")
    assert headers["content-type"] == "application/protobuf"
    # The event continues the trace of the request that caused it.
    assert headers["traceparent"].startswith(f"00-{'b' * 32}-")


def test_outbox_message_starts_a_new_trace_outside_a_request() -> None:
    first = outbox_message(events_pb2.StockLow(sku="A"), source="mercado/inventory", event_id="fixed-id")
    second = outbox_message(events_pb2.StockLow(sku="A"), source="mercado/inventory")
    assert first.event_id == "fixed-id"
    assert first.headers["traceparent"].split("-")[1] != second.headers["traceparent"].split("-")[1]


@pytest.fixture
async def relay_js(js: JetStreamContext, event_type: str) -> JetStreamContext:
    await ensure_streams(js, [event_type])
    return js


@pytest.fixture
async def running_relay(store: Store, relay_js: JetStreamContext) -> AsyncIterator[OutboxRelay]:
    # A long idle poll: only the commit's notify() can explain a prompt publish.
    relay = OutboxRelay(store.outbox, store.sessions, relay_js, idle_poll_seconds=60)
    task = asyncio.create_task(relay.run())
    yield relay
    await relay.stop(flush_timeout=2)
    await task


async def test_committed_event_is_published_with_its_headers_and_message_id(
    store: Store, relay_js: JetStreamContext, running_relay: OutboxRelay, event_type: str
) -> None:
    message = event_message(event_type, b"hello", source="mercado/test")
    await write_event(store, message)

    await eventually(pending_is(running_relay, 0), message="relay did not publish after notify")
    await eventually(stored_is(relay_js, event_type, 1))
    ((data, headers),) = await read_all(relay_js, event_type, 1)
    assert data == b"hello"
    assert headers["Nats-Msg-Id"] == message.event_id
    assert headers["ce-id"] == message.event_id
    assert headers["ce-type"] == event_type
    assert headers["traceparent"] == message.headers["traceparent"]


async def test_many_events_are_all_published_in_commit_order(
    store: Store, relay_js: JetStreamContext, running_relay: OutboxRelay, event_type: str
) -> None:
    count = 300  # more than one batch (256)
    async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
        for index in range(count):
            uow.publish(event_message(event_type, str(index).encode(), source="mercado/test"))
        await uow.commit()

    await eventually(pending_is(running_relay, 0))
    assert await stream_messages(relay_js, event_type) == count
    received = await read_all(relay_js, event_type, count)
    assert [int(data) for data, _ in received] == list(range(count))


async def test_republishing_a_row_after_a_crash_before_marking_stores_it_once(
    store: Store, relay_js: JetStreamContext, event_type: str
) -> None:
    relay = OutboxRelay(store.outbox, store.sessions, relay_js)
    await write_event(store, event_message(event_type, b"once", source="mercado/test"))
    assert await relay.publish_batch() == 1

    # Simulate a crash between the broker's ack and the UPDATE: the row looks unpublished again.
    async with store.sessions() as session, session.begin():
        await session.execute(update(store.outbox.table).values(published_at=None))
    assert await relay.pending() == 1
    assert await relay.publish_batch() == 1

    assert await relay.pending() == 0
    assert await stream_messages(relay_js, event_type) == 1


async def test_a_publish_the_broker_rejects_stays_pending_and_is_retried(
    store: Store, js: JetStreamContext
) -> None:
    # No stream captures this subject yet, so JetStream cannot acknowledge the publish.
    event_type = f"mercado.t{uuid.uuid4().hex[:12]}.v1.Orphan"
    relay = OutboxRelay(store.outbox, store.sessions, js, publish_timeout=0.5, max_backoff_seconds=0.2)
    task = asyncio.create_task(relay.run())
    try:
        await write_event(store, event_message(event_type, b"late", source="mercado/test"))
        await eventually(pending_is(relay, 1))
        await ensure_streams(js, [event_type])
        await eventually(pending_is(relay, 0), message="relay gave up instead of retrying")
        assert await stream_messages(js, event_type) == 1
    finally:
        await relay.stop(flush_timeout=1)
        await task


async def test_events_written_while_the_broker_is_down_are_published_once_it_is_back(
    store: Store, tmp_path: Path, event_type: str
) -> None:
    server = NatsServer(tmp_path / "nats").start()
    client: Client | None = None
    relay: OutboxRelay | None = None
    try:
        client = await connect_nats(server.url, name="outage-test", reconnect_time_wait=0.1)
        js = client.jetstream(timeout=1)
        await ensure_streams(js, [event_type])
        relay = OutboxRelay(
            store.outbox,
            store.sessions,
            js,
            idle_poll_seconds=0.2,
            publish_timeout=0.5,
            max_backoff_seconds=0.3,
        )
        task = asyncio.create_task(relay.run())

        server.kill()
        message = event_message(event_type, b"during outage", source="mercado/test")
        await write_event(store, message)
        assert await relay.pending() == 1

        server.start()  # same port, same store directory
        await eventually(pending_is(relay, 0), timeout=15, message="event not published after restart")
        assert await stream_messages(js, event_type) == 1
        ((data, headers),) = await read_all(js, event_type, 1)
        assert (data, headers["Nats-Msg-Id"]) == (b"during outage", message.event_id)
        await relay.stop(flush_timeout=1)
        await task
    finally:
        if client is not None and not client.is_closed:
            await client.close()
        server.stop()


async def test_stop_flushes_pending_events(store: Store, relay_js: JetStreamContext, event_type: str) -> None:
    relay = OutboxRelay(store.outbox, store.sessions, relay_js)
    for index in range(3):
        await write_event(store, event_message(event_type, str(index).encode(), source="mercado/test"))

    await relay.stop(flush_timeout=5)  # never started: stop still publishes what is pending

    assert await relay.pending() == 0
    assert await stream_messages(relay_js, event_type) == 3


async def test_stop_gives_up_within_its_budget_and_keeps_unpublished_rows(
    store: Store, js: JetStreamContext
) -> None:
    # No stream captures this subject, so every publish fails.
    orphan = f"mercado.t{uuid.uuid4().hex[:12]}.v1.Orphan"
    relay = OutboxRelay(store.outbox, store.sessions, js, publish_timeout=0.2, max_backoff_seconds=0.1)
    task = asyncio.create_task(relay.run())
    await write_event(store, event_message(orphan, b"kept", source="mercado/test"))

    await relay.stop(flush_timeout=0.5)

    assert task.done()
    assert await relay.pending() == 1


async def test_purge_deletes_only_old_published_rows(
    store: Store, relay_js: JetStreamContext, event_type: str
) -> None:
    relay = OutboxRelay(store.outbox, store.sessions, relay_js)
    for index in range(3):
        await write_event(store, event_message(event_type, str(index).encode(), source="mercado/test"))
    assert await relay.publish_batch() == 3
    await write_event(store, event_message(event_type, b"unpublished", source="mercado/test"))

    assert await relay.purge_published(timedelta(hours=1)) == 0
    assert await relay.purge_published(timedelta(seconds=-1)) == 3
    assert await relay.pending() == 1


async def test_ensure_streams_is_idempotent_and_keeps_the_dedup_window(
    js: JetStreamContext, event_type: str
) -> None:
    sibling = event_type.replace("ThingHappened", "OtherThing")
    await ensure_streams(js, [event_type])
    await ensure_streams(js, [event_type, sibling])  # same stream: one per context and version

    info = await js.stream_info(stream_for(event_type))
    assert info.config.subjects == [event_type.rsplit(".", 1)[0] + ".>"]
    assert info.config.duplicate_window == 120
