"""Checkpoints of a SQLite write-ahead log, taken on a worker thread so the event loop never waits."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from sqlalchemy import make_url

logger = logging.getLogger(__name__)


class WalCheckpointer:
    """Copies the write-ahead log back into the database file on a worker thread, every second or so.

    With the writer on the event loop, SQLite's automatic checkpoint (every 1000 pages, run by the
    committing connection, with an fsync under synchronous=NORMAL) would stall the whole loop; the
    writer therefore turns it off (`wal_autocheckpoint=0`) and this task does the work off the loop.
    PASSIVE mode never waits for, nor blocks, readers and the writer.
    """

    def __init__(self, url: str, *, interval_seconds: float = 1.0) -> None:
        parsed = make_url(url)
        args, options = parsed.get_dialect()().create_connect_args(parsed)
        self._database = str(args[0])
        self._uri = bool(options.get("uri", False))
        self._interval = interval_seconds

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self.checkpoint)
            except sqlite3.Error as error:  # the next round tries again; the log only grows meanwhile
                logger.warning("WAL checkpoint failed: %s", error)

    def checkpoint(self) -> None:
        connection = sqlite3.connect(self._database, uri=self._uri, timeout=0)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
