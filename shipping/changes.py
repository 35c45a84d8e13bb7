"""In-process notice of committed shipment changes, so WatchShipment streams wake without polling.

Only changes committed by this process are signalled; the watch use case also re-reads on a timer,
which is how it sees changes made by other replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator


class _Signal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 - a poll period, not an I/O timeout
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()
        # Cleared after waking and before the caller re-reads: a change committed during that read
        # sets it again, so no wake-up is lost.
        self._event.clear()


class ShipmentChanges:
    """One per process: watchers subscribe per shipment id, units of work notify after commit."""

    def __init__(self) -> None:
        self._watchers: defaultdict[str, set[_Signal]] = defaultdict(set)

    @contextlib.contextmanager
    def watch(self, shipment_id: str) -> Iterator[_Signal]:
        signal = _Signal()
        self._watchers[shipment_id].add(signal)
        try:
            yield signal
        finally:
            watchers = self._watchers[shipment_id]
            watchers.discard(signal)
            if not watchers:
                del self._watchers[shipment_id]

    def notify(self, shipment_ids: Iterable[str]) -> None:
        for shipment_id in shipment_ids:
            for signal in self._watchers.get(shipment_id, ()):
                signal.set()

    @property
    def watched(self) -> int:
        """How many shipments someone is watching (for tests and metrics)."""
        return len(self._watchers)
