"""A write transaction's connection: opened with its transaction begun, committed, and given back.

Every `AsyncConnection` call (`connect`, `begin`, `commit`, `rollback`, `close`) runs SQLAlchemy's
synchronous core in a new greenlet. On this machine a greenlet costs ~8-15 µs: Python 3.11 gives each
one a fresh 16 KiB frame stack, mapped and unmapped by the kernel. A transaction of a SQLite file
runs its statements in a few µs each (chassis.prepared), so the greenlets were most of its cost.

A SQLite file's connection runs on the event loop (chassis.sqlite_on_loop) and calls sqlite3
directly; SQLAlchemy needs a greenlet only where it must wait, i.e. for the pool's one connection
while another transaction holds it, or for a write lock another connection holds. So here:
- writers of this process take turns in a FIFO `asyncio.Lock` per pool before they ask the pool, so
  the connection is free when their turn comes and is checked out and begun right on the loop;
- committing runs sqlite3's COMMIT directly, then lets SQLAlchemy record that its transaction ended
  (its own COMMIT then finds nothing to do);
- giving the connection back (rolling back what was not committed) never waits either.
Whenever the direct way would have to wait (another user of the engine holds the pool's connection,
another process holds the write lock, COMMIT is refused), the call falls back to SQLAlchemy's own
greenlet call, which waits in asyncio and reports errors its usual way. A transaction then costs
~50 µs of CPU here instead of ~100.

PostgreSQL keeps SQLAlchemy's own calls: there closing really waits for the server, and
`AsyncConnection.close` shields that wait from cancellation. So does a SQLite engine whose connections
are not `chassis.sqlite_on_loop`'s (in memory, or made without `chassis.db`): the first connection a
pool hands out tells which kind it is.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Connection, Pool
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from chassis.sqlite_on_loop import loop_driver

# How long a writer waits for its turn before failing, as the pool's own checkout timeout does.
TURN_TIMEOUT_SECONDS = 30.0


@dataclass(eq=False)
class _Turns:
    """The FIFO of this process's writers on one pool, on one event loop."""

    loop: asyncio.AbstractEventLoop
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# Per pool (an engine and its `execution_options` copies share one): whether its connections run on
# the loop, learnt from the first connection it hands out; and the writers' turns on it.
_on_loop: weakref.WeakKeyDictionary[Pool, bool] = weakref.WeakKeyDictionary()
_turns: weakref.WeakKeyDictionary[Pool, _Turns] = weakref.WeakKeyDictionary()
# The turn each connection handed out here holds, until `release_connection`.
_held: weakref.WeakKeyDictionary[AsyncConnection, asyncio.Lock] = weakref.WeakKeyDictionary()


def _turn_lock(pool: Pool) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    turns = _turns.get(pool)
    if turns is None or turns.loop is not loop:
        # A lock serves one loop; a transaction never outlives its loop, so a new one is safe.
        turns = _turns[pool] = _Turns(loop)
    return turns.lock


async def begin_connection(engine: AsyncEngine) -> AsyncConnection:
    """A connection of `engine` with its transaction begun; give it back with `release_connection`."""
    if engine.dialect.name != "sqlite":
        connection = await engine.connect()
        try:
            await connection.begin()
        except BaseException:
            await connection.close()
            raise
        return connection
    pool = engine.sync_engine.pool
    on_loop = _on_loop.get(pool)
    if not on_loop:  # not known yet, or not a chassis.sqlite_on_loop pool (SQLite in memory)
        sync = await greenlet_spawn(_connect_and_begin, engine)
        if on_loop is None:
            _on_loop[pool] = loop_driver(sync.connection.dbapi_connection) is not None
        return AsyncConnection(engine, sync)
    lock = _turn_lock(pool)
    if lock.locked():
        async with asyncio.timeout(TURN_TIMEOUT_SECONDS):
            await lock.acquire()
    else:
        await lock.acquire()  # free: returns at once
    try:
        begun = _connect_and_begin_on_loop(engine) or await greenlet_spawn(_connect_and_begin, engine)
    except BaseException:
        lock.release()
        raise
    connection = AsyncConnection(engine, begun)
    _held[connection] = lock
    return connection


def _connect_and_begin(engine: AsyncEngine) -> Connection:
    connection = engine.sync_engine.connect()
    try:
        connection.begin()
    except BaseException:
        connection.close()
        raise
    return connection


def _connect_and_begin_on_loop(engine: AsyncEngine) -> Connection | None:
    """The begun connection, without a greenlet; None when getting it would mean waiting."""
    pool = engine.sync_engine.pool
    # Only a connection waiting in the pool's queue is taken without waiting. None there: another
    # user of the engine holds it (wait in the pool's queue), or it is yet to be opened.
    if pool.checkedin() == 0:  # type: ignore[attr-defined]  # QueuePool's
        return None
    connection = engine.sync_engine.connect()
    try:
        connection.begin()  # the "begin" hook (chassis.db) runs BEGIN on sqlite3 directly
    except sqlite3.Error:
        connection.close()  # another connection holds the write lock: wait for it in a greenlet
        return None
    except BaseException:
        connection.close()
        raise
    return connection


async def commit_connection(connection: AsyncConnection) -> None:
    """Commit the connection's transaction (on a SQLite file: COMMIT on sqlite3 directly)."""
    sync = connection.sync_connection
    driver = None
    if sync is not None and connection in _held:
        driver = loop_driver(sync.connection.dbapi_connection)
    if sync is None or driver is None:  # not a turn of ours, or its connection is gone
        await connection.commit()
        return
    try:
        driver.commit()
    except sqlite3.Error:
        # Refused, and the transaction is still open: SQLAlchemy commits it, waiting or failing its way.
        await connection.commit()
        return
    sync.commit()  # ends SQLAlchemy's transaction; its COMMIT on the driver now has nothing to do


async def release_connection(connection: AsyncConnection) -> None:
    """Roll back whatever was not committed and return the connection to its pool."""
    if connection.dialect.name != "sqlite":
        try:
            await connection.rollback()
        finally:
            await connection.close()
        return
    lock = _held.pop(connection, None)
    try:
        sync = connection.sync_connection
        if sync is None:
            return
        if lock is None:
            await greenlet_spawn(sync.close)  # closing a connection rolls back its open transaction
        else:
            sync.close()  # a rollback and a return to the pool's queue: nothing here waits
    finally:
        if lock is not None:
            lock.release()
