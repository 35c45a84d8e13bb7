"""Orders placed one after another in the background, some cancelled, tallying how the edge answered.

Each order (and each cancellation) is sent again under the same Idempotency-Key while the edge
answers 5xx, so an outage delays it instead of losing it; only the 202 answers reach the ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import httpx

from chassis.testing import eventually
from tests.faults.shop import Shop, unique
from tests.faults.waves import PRICE, Market

logger = logging.getLogger(__name__)

# Longer than the outage plus the services' recovery; an answer still 5xx after this fails the test.
ANSWER_TIMEOUT = 60.0
RESEND_INTERVAL = 0.2
# One order about every PACE seconds: a steady trickle, not a benchmark on two shared cores.
PACE = 0.15
# Enough stock and money that no order of a run is refused for lack of either.
STOCK = 2_000
FUNDS = 1_000_000


async def stocked_market(shop: Shop, customers: int = 4) -> Market:
    """A fresh SKU and customers with room for a few hundred one-unit orders."""
    sku = unique("PGRESTART")
    await shop.create_item(sku, on_hand=STOCK, price_minor=PRICE)
    names = tuple(unique("cust") for _ in range(customers))
    await asyncio.gather(*(shop.top_up(name, FUNDS) for name in names))
    return Market(sku, names)


@dataclass
class Tally:
    """What the edge answered the load: the orders it accepted, those cancelled, the 5xx on the way."""

    accepted: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    # 5xx answers to POST /v1/orders and cancellations, by HTTP status.
    refusals: Counter[int] = field(default_factory=Counter)
    # Monotonic times (the loop's clock) of the first and last refusal.
    refused_between: list[float] = field(default_factory=list)

    def refused(self, status: int, at: float) -> None:
        self.refusals[status] += 1
        self.refused_between[:] = [self.refused_between[0] if self.refused_between else at, at]


class OrderLoad:
    """Places one-unit orders round the market's customers until stopped; cancels every `cancel_every`th."""

    def __init__(self, shop: Shop, market: Market, *, cancel_every: int = 4) -> None:
        self.shop = shop
        self.market = market
        self.tally = Tally()
        self._cancel_every = cancel_every
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="order load")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Finish the order in hand, then stop; raises what made the load fail, if anything did."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await task

    def accepted_at_least(self, count: int) -> bool:
        """True once `count` orders were accepted; fails at once if the load itself has failed."""
        if self._task is not None and self._task.done():
            self._task.result()  # raises the load's failure
        return len(self.tally.accepted) >= count

    async def _run(self) -> None:
        index = 0
        while not self._stopping.is_set():
            customer = self.market.customers[index % len(self.market.customers)]
            order_id = await self._place(customer)
            if index % self._cancel_every == self._cancel_every - 1:
                await self._cancel(order_id, customer)
            index += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PACE):
                    await self._stopping.wait()

    async def _place(self, customer: str) -> str:
        key = str(uuid.uuid4())
        answer = await self._answered(
            lambda: self.shop.post_order(customer, {self.market.sku: 1}, idempotency_key=key), "order"
        )
        assert answer.status_code == 202, f"order refused for good: {answer.status_code} {answer.text}"
        order_id = str(answer.json()["order_id"])
        self.tally.accepted.append(order_id)
        return order_id

    async def _cancel(self, order_id: str, customer: str) -> None:
        url = f"/v1/orders/{order_id}:cancel"
        answer = await self._answered(
            lambda: self.shop.client.post(url, headers=self.shop.auth(customer)), f"cancel {order_id}"
        )
        assert answer.status_code == 202, f"cancel refused for good: {answer.status_code} {answer.text}"
        self.tally.cancelled.append(order_id)

    async def _answered(self, send: Callable[[], Awaitable[httpx.Response]], what: str) -> httpx.Response:
        """The first answer that is not a 5xx; every 5xx on the way is tallied and logged."""
        loop = asyncio.get_running_loop()
        last: list[httpx.Response] = []

        async def answered() -> bool:
            last[:] = [await send()]
            if last[0].status_code < 500:
                return True
            self.tally.refused(last[0].status_code, loop.time())
            logger.info("%s refused: %s %s", what, last[0].status_code, last[0].text)
            return False

        await eventually(
            answered, timeout=ANSWER_TIMEOUT, interval=RESEND_INTERVAL, message=f"{what} kept failing"
        )
        return last[0]
