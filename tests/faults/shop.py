"""Drive Mercado over its public REST API as its users do, recording what was accepted in a Ledger.

Admins create items and top accounts up, customers place and cancel orders, a carrier dispatches and
delivers. Every accepted change is written to the Ledger the invariant check compares the services to.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx

from chassis.testing import eventually
from edge_gateway.auth import Role
from edge_gateway.devtoken import issue
from edge_gateway.settings import EdgeSettings
from scripts.invariants import Ledger

JsonObject = dict[str, Any]
CURRENCY = "EUR"
ADDRESS = {
    "name": "Ana Test",
    "line1": "1 Rua Augusta",
    "city": "Lisboa",
    "postal_code": "1100",
    "country": "PT",
}
# Saga steps take milliseconds; the margin is for two busy cores and restarted processes.
SETTLE_TIMEOUT = 60.0
RETRY_TIMEOUT = 30.0
TRANSIENT = frozenset({502, 503, 504})


def unique(prefix: str) -> str:
    """A fresh SKU or customer id, so tests sharing a stack never touch each other's state."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


class Shop:
    """One REST client with a token per role; the edge's settings give the signing secret.

    Calls are retried while the edge answers 502/503/504: a backend being restarted, or a moment when
    two busy cores miss the edge's 2 s budget. Every write is safe to repeat: orders and top-ups carry
    an Idempotency-Key, and cancel, dispatch and deliver are idempotent.
    """

    def __init__(self, client: httpx.AsyncClient, ledger: Ledger) -> None:
        self.client = client
        self.ledger = ledger
        self._settings = EdgeSettings()

    def auth(self, subject: str, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue(self._settings, subject, role, 3600)}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth("ops", Role.ADMIN)

    async def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The first answer to the request that is not a transient 502/503/504."""
        return await self._retried(lambda: self.client.request(method, url, **kwargs), f"{method} {url}")

    async def _retried(self, send: Callable[[], Awaitable[httpx.Response]], what: str) -> httpx.Response:
        last: list[httpx.Response] = []

        async def answered() -> bool:
            last[:] = [await send()]
            return last[0].status_code not in TRANSIENT

        try:
            await eventually(answered, timeout=RETRY_TIMEOUT, interval=0.2)
        except AssertionError:
            raise AssertionError(f"{what} kept failing: {last[0].text}") from None
        return last[0]

    async def create_item(self, sku: str, *, on_hand: int, price_minor: int = 1000) -> None:
        body = {
            "sku": sku,
            "name": f"Test item {sku}",
            "unit_price": {"currency": CURRENCY, "amount_minor": price_minor},
            "weight_grams": 200,
            "initial_on_hand": on_hand,
        }
        response = await self.call("POST", "/v1/items", json=body, headers=self.admin)
        # SKUs are unique per test, so "already exists" means an earlier attempt of this very call landed.
        created = response.status_code == 201 or response.json().get("reason") == "ITEM_ALREADY_EXISTS"
        assert created, response.text
        self.ledger.item_created(sku, on_hand)

    async def item(self, sku: str) -> JsonObject:
        return await self._read(f"/v1/items/{sku}", {})

    async def top_up(self, customer: str, amount_minor: int) -> None:
        body = {"amount": {"currency": CURRENCY, "amount_minor": amount_minor}}
        headers = {**self.admin, "Idempotency-Key": str(uuid.uuid4())}
        response = await self.call("POST", f"/v1/accounts/{customer}:topUp", json=body, headers=headers)
        assert response.status_code == 200, response.text
        self.ledger.topped_up(customer, amount_minor)

    async def balance(self, customer: str) -> int:
        account = await self._read(f"/v1/accounts/{customer}", self.auth(customer))
        return int(account["balance"]["amount_minor"])

    async def post_order(
        self, customer: str, lines: Mapping[str, int], *, idempotency_key: str
    ) -> httpx.Response:
        """One POST /v1/orders as the customer, not retried; an accepted order goes into the ledger."""
        body = {
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines.items()],
            "shipping_address": ADDRESS,
        }
        headers = {**self.auth(customer), "Idempotency-Key": idempotency_key}
        response = await self.client.post("/v1/orders", json=body, headers=headers)
        if response.status_code == 202:
            self.ledger.order_accepted(str(response.json()["order_id"]))
        return response

    async def place_order(
        self, customer: str, lines: Mapping[str, int], *, idempotency_key: str | None = None
    ) -> str:
        """An accepted order's id, retrying transient failures under one key; any refusal fails the test."""
        key = idempotency_key or str(uuid.uuid4())
        response = await self._retried(
            lambda: self.post_order(customer, lines, idempotency_key=key), "POST /v1/orders"
        )
        assert response.status_code == 202, response.text
        return str(response.json()["order_id"])

    async def order(self, order_id: str) -> JsonObject:
        return await self._read(f"/v1/orders/{order_id}", self.admin)

    async def wait_for(
        self,
        order_id: str,
        status: str,
        *,
        with_shipment: bool = False,
        timeout: float = SETTLE_TIMEOUT,  # noqa: ASYNC109 - a polling budget
    ) -> JsonObject:
        """Poll the order until it shows `status` (and a shipment, if asked); the order as last read."""
        seen: JsonObject = {}

        async def reached() -> bool:
            seen.update(await self.order(order_id))
            complete = not seen["degraded"] and (not with_shipment or "shipment" in seen)
            return seen["status"] == status and complete

        try:
            await eventually(reached, timeout=timeout, interval=0.1)
        except AssertionError as failed:
            raise AssertionError(f"order {order_id} not {status}: {failed}; last seen: {seen}") from None
        return seen

    async def cancel(self, order_id: str, customer: str) -> httpx.Response:
        return await self.call("POST", f"/v1/orders/{order_id}:cancel", headers=self.auth(customer))

    async def dispatch(self, shipment_id: str) -> httpx.Response:
        carrier = self.auth("carrier-1", Role.CARRIER)
        return await self.call("POST", f"/v1/shipments/{shipment_id}:dispatch", headers=carrier)

    async def deliver(self, shipment_id: str) -> httpx.Response:
        carrier = self.auth("carrier-1", Role.CARRIER)
        return await self.call("POST", f"/v1/shipments/{shipment_id}:deliver", headers=carrier)

    async def _read(self, url: str, headers: Mapping[str, str]) -> JsonObject:
        response = await self.call("GET", url, headers=headers)
        assert response.status_code == 200, response.text
        body: JsonObject = response.json()
        return body

    @asynccontextmanager
    async def order_events(self, order_id: str, customer: str) -> AsyncIterator[AsyncIterator[str]]:
        """The order's server-sent events as the statuses they carry, while the stream is open."""
        # No read timeout: the stream is silent between changes; callers bound each wait themselves.
        timeout = httpx.Timeout(10.0, read=None)
        url = f"/v1/orders/{order_id}/events"
        async with self.client.stream("GET", url, headers=self.auth(customer), timeout=timeout) as response:
            assert response.status_code == 200, await response.aread()
            yield _statuses(response)


async def _statuses(response: httpx.Response) -> AsyncIterator[str]:
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:") and event == "status":
            yield str(json.loads(line.removeprefix("data:"))["status"])
        elif not line:
            event = ""
