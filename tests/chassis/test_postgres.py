"""Outbox relay and inbox on PostgreSQL: SKIP LOCKED lets relays share an outbox; claims win once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select, text

from chassis.db import SqlUnitOfWork, ping
from chassis.inbox import claim
from chassis.messaging import ensure_streams
from chassis.naming import stream_for
from chassis.outbox import OutboxRelay, event_message
from chassis.testing import eventually, postgres_url

from .conftest import Store, open_store

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_store() -> AsyncIterator[Store]:
    # Unique table names keep parallel or repeated runs on one database apart.
    store, metadata = await open_store(postgres_url(), prefix=f"t{uuid.uuid4().hex[:10]}_")
    yield store
    async with store.engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await store.engine.dispose()


class CountingJetStream:
    """Counts publish calls, to show two relays never publish the same row."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self.published: list[str] = []

    async def publish(self, subject: str, payload: bytes, **options: Any) -> Any:
        self.published.append(options["headers"]["Nats-Msg-Id"])
        return await self._js.publish(subject, payload, **options)


async def blocked_on_a_lock(store: Store) -> bool:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO%inbox%'"
    )
    async with store.sessions() as session:
        return bool((await session.execute(query)).scalar_one() > 0)


async def test_database_answers_ping(pg_store: Store) -> None:
    assert await ping(pg_store.engine)


async def test_two_relays_share_one_outbox_without_publishing_a_row_twice(
    pg_store: Store, js: JetStreamContext, event_type: str
) -> None:
    await ensure_streams(js, [event_type])
    count = 200
    for start in range(0, count, 50):
        async with SqlUnitOfWork(pg_store.sessions, pg_store.outbox) as uow:
            for index in range(start, start + 50):
                uow.publish(event_message(event_type, str(index).encode(), source="mercado/test"))
            await uow.commit()

    counting = CountingJetStream(js)
    relays = [
        OutboxRelay(pg_store.outbox, pg_store.sessions, counting, batch_size=20, idle_poll_seconds=0.05)  # type: ignore[arg-type]
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]

    async def drained() -> bool:
        return await relays[0].pending() == 0

    await eventually(drained, timeout=20)
    for relay, task in zip(relays, tasks, strict=True):
        await relay.stop(flush_timeout=2)
        await task
    assert len(counting.published) == count
    assert len(set(counting.published)) == count
    assert (await js.stream_info(stream_for(event_type))).state.messages == count


async def test_a_concurrent_claim_of_the_same_event_waits_and_then_loses(pg_store: Store) -> None:
    event_id = str(uuid.uuid4())
    async with SqlUnitOfWork(pg_store.sessions) as first:
        assert await claim(first.connection, pg_store.inbox, "billing--inventory-v1-StockReserved", event_id)

        async def second_claim() -> bool:
            async with SqlUnitOfWork(pg_store.sessions) as second:
                won = await claim(
                    second.connection, pg_store.inbox, "billing--inventory-v1-StockReserved", event_id
                )
                await second.commit()
                return won

        contender = asyncio.create_task(second_claim())
        await eventually(lambda: blocked_on_a_lock(pg_store), message="second claim did not wait on the key")
        await first.commit()
    assert await contender is False


async def test_a_claim_rolled_back_with_its_effect_can_be_claimed_again(pg_store: Store) -> None:
    event_id = str(uuid.uuid4())
    async with SqlUnitOfWork(pg_store.sessions) as uow:
        assert await claim(uow.connection, pg_store.inbox, "c", event_id)
        await uow.rollback()
    async with SqlUnitOfWork(pg_store.sessions) as uow:
        assert await claim(uow.connection, pg_store.inbox, "c", event_id)
        assert not await claim(uow.connection, pg_store.inbox, "c", event_id)
        assert await claim(uow.connection, pg_store.inbox, "another-consumer", event_id)
        await uow.commit()
    async with pg_store.sessions() as session:
        total = (await session.execute(select(func.count()).select_from(pg_store.inbox))).scalar_one()
    assert total == 2
