"""Following one shipment: its current state, then its state after each status change, until final.

Changes committed by this process wake the watcher at once through the ChangeFeed. A change
committed by another replica of the service sends no signal here; it is found by re-reading the
shipment every `poll_seconds`, so watching is correct with any number of replicas and fast with one.
Every wake-up re-reads the database, and changes are reported from the shipment's history, so no
status is skipped even when several changed between two reads.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from shipping.domain import InvalidRequest, Shipment
from shipping.use_cases.ports import ChangeFeed, Queries
from shipping.use_cases.reading import get_shipment, get_shipment_by_order


async def watch_shipment(
    queries: Queries,
    feed: ChangeFeed,
    *,
    shipment_id: str | None,
    order_id: str | None,
    poll_seconds: float,
) -> AsyncGenerator[Shipment, None]:
    """Yield the shipment now, then once per new history entry; stop after a final status."""
    shipment = await _resolve(queries, shipment_id, order_id)
    # Subscribe before the read that counts as "current", so a change committed in between wakes us.
    with feed.watch(shipment.shipment_id) as signal:
        shipment = await get_shipment(queries, shipment.shipment_id)
        yield shipment
        reported = len(shipment.history)
        while not shipment.status.is_final:
            await signal.wait(poll_seconds)
            shipment = await get_shipment(queries, shipment.shipment_id)
            for changes in range(reported + 1, len(shipment.history) + 1):
                yield shipment.as_of(changes)
            reported = len(shipment.history)


async def _resolve(queries: Queries, shipment_id: str | None, order_id: str | None) -> Shipment:
    if shipment_id is not None and order_id is None:
        return await get_shipment(queries, shipment_id)
    if order_id is not None and shipment_id is None:
        return await get_shipment_by_order(queries, order_id)
    raise InvalidRequest([("target", "set exactly one of shipment_id and order_id")])
