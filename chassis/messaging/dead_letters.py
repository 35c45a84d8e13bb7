"""Where consumers put messages they give up on: a table in the service's own database."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chassis.messaging.events import IncomingEvent
from chassis.outbox.table import utc_now

MAX_ERROR_LENGTH = 2000


class DeadLetterSink(Protocol):
    async def record(self, consumer: str, msg: IncomingEvent, error: str) -> None: ...


class SqlDeadLetters:
    """Writes one dead-letter row per message, in its own transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table) -> None:
        self._sessions = sessions
        self._table = table

    async def record(self, consumer: str, msg: IncomingEvent, error: str) -> None:
        row = {
            "consumer": consumer,
            "subject": msg.subject,
            "event_id": msg.event_id or None,
            "event_type": msg.event_type or None,
            "payload": msg.payload,
            "headers": dict(msg.headers),
            "error": error[:MAX_ERROR_LENGTH],
            "deliveries": msg.delivery,
            "created_at": utc_now(),
        }
        async with self._sessions() as session, session.begin():
            await session.execute(insert(self._table).values(row))


def sql_dead_letters(sessions: async_sessionmaker[AsyncSession], table: Table) -> DeadLetterSink:
    return SqlDeadLetters(sessions, table)
