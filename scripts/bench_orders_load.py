"""The REST side of `make bench-orders`: set up items and funded customers, then place orders under load.

Everything goes through the edge, each worker on a kept-alive connection of its own (`bench_http`). The
load is closed-loop: a fixed number of workers, each with one order in flight; `rate` optionally paces them to
an offered rate instead of as fast as the stack answers. Only the client's own clock is read here.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scripts.bench_http import HttpConnection

ORDER_ADDRESS = {
    "name": "Bench Customer",
    "line1": "Hauptstrasse 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
CURRENCY = "EUR"
REQUEST_TIMEOUT_SECONDS = 10.0


class SetupError(Exception):
    """The edge refused to create an item or fund an account, so no order could be measured."""


@dataclass(frozen=True)
class BenchItem:
    sku: str
    price_minor: int
    weight_grams: int
    on_hand: int


@dataclass(frozen=True)
class PlacedOrder:
    """One 202: when the client saw it (wall clock, comparable with the services' timestamps)."""

    order_id: str
    accepted_at: float
    latency: float
    # False for orders placed during the warm-up: they must settle, but they are not in the figures.
    measured: bool


@dataclass
class LoadResult:
    orders: list[PlacedOrder] = field(default_factory=list)
    # Non-202 answers by status code and transport failures by exception name.
    failures: Counter[str] = field(default_factory=Counter)
    measured_seconds: float = 0.0
    # From the first order sent to the last answer received, warm-up included.
    load_seconds: float = 0.0

    @property
    def measured_orders(self) -> list[PlacedOrder]:
        return [order for order in self.orders if order.measured]


@dataclass(frozen=True)
class LoadPlan:
    edge_url: str
    customer_tokens: Mapping[str, str]
    items: Sequence[BenchItem]
    concurrency: int
    warmup: float
    duration: float
    # Orders per second offered across all workers; None = each worker sends as soon as it is answered.
    rate: float | None = None
    # Called when the measured window opens and closes (e.g. to read CPU counters or start a profiler).
    on_window_start: Callable[[], object] | None = None
    on_window_end: Callable[[], object] | None = None


def bench_items(count: int, on_hand: int) -> list[BenchItem]:
    """Several SKUs, so reservations do not all contend for one row."""
    return [BenchItem(f"BENCH-{i:03d}", 1000 + 10 * i, 200 + i, on_hand) for i in range(count)]


async def set_up(
    edge_url: str, admin_token: str, items: Sequence[BenchItem], customers: Sequence[str], top_up: int
) -> None:
    """Create the items and fund every customer's account through the edge (as an admin)."""
    connection = HttpConnection(edge_url, REQUEST_TIMEOUT_SECONDS)
    try:
        for item in items:
            body = {
                "sku": item.sku,
                "name": f"Benchmark item {item.sku}",
                "unit_price": {"currency": CURRENCY, "amount_minor": item.price_minor},
                "weight_grams": item.weight_grams,
                "initial_on_hand": item.on_hand,
            }
            response = await connection.post("/v1/items", body, admin_token)
            if response.status != 201:
                raise SetupError(f"POST /v1/items {item.sku} -> {response.status} {response.body[:300]!r}")
        for customer in customers:
            path = f"/v1/accounts/{customer}:topUp"
            amount = {"amount": {"currency": CURRENCY, "amount_minor": top_up}}
            response = await connection.post(path, amount, admin_token)
            if response.status != 200:
                raise SetupError(f"POST {path} -> {response.status} {response.body[:300]!r}")
    finally:
        connection.close()


class _Pacer:
    """Hands out send times `start + k / rate` until `stop_at`; a worker that is late sends at once.

    Latency is timed from the actual send. When every worker is busy the achieved rate falls below
    the offered one, which the report shows as accepted orders/s.
    """

    def __init__(self, start: float, stop_at: float, rate: float | None) -> None:
        self._start = start
        self._stop_at = stop_at
        self._rate = rate
        self._issued = 0

    async def wait_turn(self) -> bool:
        """Wait for the next send time; False once the load is over (no sleeping past its end)."""
        slot = self._start if self._rate is None else self._start + self._issued / self._rate
        self._issued += 1
        if max(slot, time.perf_counter()) >= self._stop_at:
            return False
        delay = slot - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        return True


class _Workers:
    """The state the workers of one load share: pacing, time bounds and the result."""

    def __init__(self, plan: LoadPlan, start: float, result: LoadResult) -> None:
        self._plan = plan
        self._measure_from = start + plan.warmup
        self._pacer = _Pacer(start, self._measure_from + plan.duration, plan.rate)
        self._tokens = list(plan.customer_tokens.values())
        self.result = result

    async def run(self, index: int) -> None:
        """Worker `index` places orders for every `concurrency`-th customer until the load ends."""
        rng = random.Random(index)  # noqa: S311 - spreads load over SKUs, not a secret
        turn = index
        # One connection per worker, kept alive: connection set-up is not what is being measured.
        connection = HttpConnection(self._plan.edge_url, REQUEST_TIMEOUT_SECONDS)
        try:
            while await self._pacer.wait_turn():
                token = self._tokens[turn % len(self._tokens)]
                turn += self._plan.concurrency
                await self._place(connection, token, rng.choice(self._plan.items))
        finally:
            connection.close()

    async def _place(self, connection: HttpConnection, token: str, item: BenchItem) -> None:
        body = json.dumps({"lines": [{"sku": item.sku, "quantity": 1}], "shipping_address": ORDER_ADDRESS})
        started = time.perf_counter()
        try:
            response = await connection.post("/v1/orders", body.encode(), token)
        except (ConnectionError, OSError, TimeoutError) as error:
            self.result.failures[type(error).__name__] += 1
            return
        finished = time.perf_counter()
        if response.status != 202:
            self.result.failures[f"HTTP {response.status}"] += 1
            return
        self.result.orders.append(
            PlacedOrder(
                order_id=response.location.rsplit("/", 1)[-1],
                accepted_at=time.time(),
                latency=finished - started,
                measured=started >= self._measure_from,
            )
        )


async def place_orders(plan: LoadPlan) -> LoadResult:
    """Warm up, then measure for `plan.duration` seconds; every 202 is recorded, warm-up ones unmeasured."""
    result = LoadResult()
    start = time.perf_counter()
    workers = _Workers(plan, start, result)
    loop = asyncio.get_running_loop()
    if plan.on_window_start is not None:
        loop.call_later(plan.warmup, plan.on_window_start)
    if plan.on_window_end is not None:
        loop.call_later(plan.warmup + plan.duration, plan.on_window_end)
    await asyncio.gather(*(workers.run(i) for i in range(plan.concurrency)))
    result.load_seconds = time.perf_counter() - start
    result.measured_seconds = plan.duration
    return result
