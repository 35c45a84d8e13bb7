"""PostgreSQL stopped and started under load: health follows the database, and every order settles once.

The machine's own cluster is stopped with a fast shutdown (every connection dropped) while orders
and cancellations flow through the edge, then started again. Orders the edge refuses meanwhile are
sent again under their key; only accepted ones count, and each of them must end settled exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import pytest

from chassis.testing import eventually
from scripts.devstack import Stack
from tests.faults.control import frozen
from tests.faults.settle import settled_report
from tests.faults.shop import Shop
from tests.faults.waves import Market, place_wave
from tests.postgres_restart.health import NOT_SERVING, SERVING, all_report, statuses
from tests.postgres_restart.load import OrderLoad, stocked_market
from tests.postgres_restart.postgres_server import PostgresCluster, stopped

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.e2e]

logger = logging.getLogger(__name__)

# The health monitor checks every 2 s, each database ping bounded by 2 s; the rest is margin.
HEALTH_TIMEOUT = 30.0
TRANSIENT = {502, 503, 504}
# The outage lasts until this many order attempts were refused (one every 0.2 s): a few seconds, long
# enough for saga steps in flight to fail in the consumers and be redelivered after the restart.
REFUSED_WHILE_DOWN = 15


@dataclass
class Timeline:
    """Moments of the outage on the event loop's clock, for the line the test logs at the end."""

    stop: float = 0.0
    not_serving: float = 0.0
    start: float = 0.0
    ready: float = 0.0
    serving: float = 0.0

    def __str__(self) -> str:
        return (
            f"PostgreSQL down {self.start - self.stop:.1f}s; every service NOT_SERVING "
            f"{self.not_serving - self.stop:.1f}s after the stop; pg_isready {self.ready - self.start:.1f}s "
            f"and every service SERVING {self.serving - self.start:.1f}s after the start"
        )


async def test_services_are_not_serving_while_postgres_is_down_and_settle_every_order_once_after(
    stack: Stack, shop: Shop, postgres_cluster: PostgresCluster
) -> None:
    services = dict(stack.endpoints.grpc)
    clock = asyncio.get_running_loop().time
    timeline = Timeline()
    market = await stocked_market(shop)
    before = await place_wave(shop, market, 4)
    await cancel(shop, market, before[0])

    async with OrderLoad(shop, market) as load:
        await eventually(lambda: load.accepted_at_least(3), timeout=30, message="the load never got going")
        async with contextlib.AsyncExitStack() as outage:
            # Payments billing can only take once the database is back: billing is paused while the
            # wave is accepted and resumes with PostgreSQL already down, so its handlers fail and retry.
            async with frozen(stack, "billing"):
                in_flight = await place_wave(shop, market, 6)
                timeline.stop = clock()
                await outage.enter_async_context(stopped(postgres_cluster))
            await eventually(
                lambda: all_report(services, NOT_SERVING),
                timeout=HEALTH_TIMEOUT,
                interval=0.1,
                message="not every service reports NOT_SERVING with PostgreSQL down",
            )
            timeline.not_serving = clock()
            # What a customer sees meanwhile: orders refused as a transient failure, to be sent again.
            refused = load.tally.refusals.total()
            await eventually(
                lambda: load.tally.refusals.total() >= refused + REFUSED_WHILE_DOWN,
                timeout=HEALTH_TIMEOUT,
                message="orders were not refused with PostgreSQL down",
            )
            accepted_before_restart = len(load.tally.accepted)
            timeline.start = clock()
        timeline.ready = clock()

        await eventually(
            lambda: all_report(services, SERVING),
            timeout=HEALTH_TIMEOUT,
            interval=0.1,
            message="not every service reports SERVING again after PostgreSQL came back",
        )
        timeline.serving = clock()
        await eventually(
            lambda: load.accepted_at_least(accepted_before_restart + 5),
            timeout=HEALTH_TIMEOUT,
            message="orders are not accepted again after PostgreSQL came back",
        )
    after = await place_wave(shop, market, 4)
    await cancel(shop, market, after[0])

    report = await settled_report(stack, shop.ledger)
    cancelled = {before[0], after[0], *load.tally.cancelled}
    expected = {
        order: "CANCELLED" if order in cancelled else "AWAITING_SHIPMENT" for order in shop.ledger.accepted
    }
    # Nothing lost, nothing extra: the services hold exactly the accepted orders, each settled once.
    assert dict(report.order_status) == expected
    assert set(load.tally.refusals) <= TRANSIENT, (
        f"refused with a non-transient status: {load.tally.refusals}"
    )
    assert set((await statuses(services)).values()) == {SERVING}
    logger.info(
        "%s; %d orders accepted (%d in flight at the stop, %d cancelled), refusals %s",
        timeline,
        len(shop.ledger.accepted),
        len(in_flight),
        len(cancelled),
        dict(load.tally.refusals),
    )


async def cancel(shop: Shop, market: Market, order_id: str) -> None:
    """Cancel one of the market's orders as its customer (waves spread orders round the customers)."""
    customer = (await shop.order(order_id))["customer_id"]
    assert customer in market.customers
    answer = await shop.cancel(order_id, str(customer))
    assert answer.status_code == 202, answer.text
