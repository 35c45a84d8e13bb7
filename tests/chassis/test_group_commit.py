"""GroupCommit: calls that overlap on SQLite's one writer connection share a commit, never an outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from chassis.db import SqlUnitOfWork
from chassis.outbox import event_message
from chassis.testing import eventually
from chassis.transaction_batch import GroupCommit

from .conftest import Store

EVENT = "mercado.test.v1.ThingHappened"


async def effects(store: Store) -> list[str]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(store.effects.c.event_id).order_by(store.effects.c.id))
        return [row.event_id for row in rows]


async def outbox_rows(store: Store) -> int:
    async with store.engine.connect() as connection:
        found = await connection.execute(select(func.count()).select_from(store.outbox.table))
        return int(found.scalar_one())


def record_commits(store: Store, log: list[str]) -> None:
    def committed(*_: Any) -> None:
        log.append("commit")

    event.listen(store.engine.sync_engine, "commit", committed)


def use_case(store: Store, event_id: str, *, fail: bool = False) -> Callable[[], Awaitable[str]]:
    async def work() -> str:
        async with SqlUnitOfWork(store.sessions, store.outbox) as uow:
            await uow.connection.execute(insert(store.effects).values(event_id=event_id))
            if fail:
                raise RuntimeError(f"{event_id} failed")
            uow.publish(event_message(EVENT, event_id.encode(), source="mercado/test"))
            await uow.commit()
        return event_id

    return work


async def test_calls_waiting_for_the_writer_share_one_commit_and_answer_after_it(store: Store) -> None:
    group = GroupCommit(store.engine)
    log: list[str] = []
    record_commits(store, log)

    async def call(event_id: str) -> str:
        answer = await group.run(use_case(store, event_id))
        log.append(f"answered {answer}")
        return answer

    async with store.engine.connect():  # the writer connection is busy (as with the outbox relay)
        calls = [asyncio.create_task(call(f"e{i}")) for i in range(3)]
        await eventually(lambda: group.forming == 3, message="the calls did not join one group")
        assert log == []  # nobody answers before the shared transaction commits
    answers = await asyncio.gather(*calls)

    assert answers == ["e0", "e1", "e2"]
    assert log[0] == "commit"
    assert log.count("commit") == 1
    assert sorted(await effects(store)) == ["e0", "e1", "e2"]
    assert await outbox_rows(store) == 3
    assert await store.outbox.wait(0)  # the relay was woken once the events were durable


async def test_a_failing_call_leaves_the_others_outcome_unchanged(store: Store) -> None:
    group = GroupCommit(store.engine)

    async with store.engine.connect():
        calls = [
            asyncio.create_task(group.run(use_case(store, "kept-1"))),
            asyncio.create_task(group.run(use_case(store, "broken", fail=True))),
            asyncio.create_task(group.run(use_case(store, "kept-2"))),
        ]
        await eventually(lambda: group.forming == 3, message="the calls did not join one group")
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert outcomes[0] == "kept-1"
    assert outcomes[2] == "kept-2"
    assert isinstance(outcomes[1], RuntimeError)
    assert str(outcomes[1]) == "broken failed"
    # The shared transaction was rolled back and each call ran again alone: every effect exactly once.
    assert sorted(await effects(store)) == ["kept-1", "kept-2"]
    assert await outbox_rows(store) == 2


async def test_a_call_alone_commits_at_once_and_fails_once(store: Store) -> None:
    group = GroupCommit(store.engine)
    runs: list[str] = []

    def counted(work: Callable[[], Awaitable[str]], name: str) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            runs.append(name)
            return await work()

        return run

    assert await group.run(counted(use_case(store, "solo"), "solo")) == "solo"
    assert await effects(store) == ["solo"]
    with pytest.raises(RuntimeError, match="lonely failed"):
        await group.run(counted(use_case(store, "lonely", fail=True), "lonely"))
    assert await effects(store) == ["solo"]
    assert runs == ["solo", "lonely"]  # nothing to isolate a lone failure from: it is not run twice
