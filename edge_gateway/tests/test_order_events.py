"""GET /v1/orders/{id}/events: the status stream, its end on a final status, and a client that leaves."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from chassis.testing import eventually
from edge_gateway.tests.assertions import problem
from edge_gateway.tests.event_stream import EventStream
from edge_gateway.tests.saga import Saga
from edge_gateway.tests.servers import AppFactory, BillingServer
from edge_gateway.tests.tokens import bearer

ALICE = bearer("alice")
FAST = {"events_poll_seconds": 0.01}


@asynccontextmanager
async def edge_and_client(
    edge_app_for: AppFactory, **settings: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with edge_app_for(**{**FAST, **settings}) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge.test") as client:
            yield app, client


def _edge_tasks() -> set[asyncio.Task[Any]]:
    """Running tasks but the fake servers' own (each keeps one waiting for its next call)."""
    return {task for task in asyncio.all_tasks() if "AioServer" not in repr(task)}


async def statuses(stream: EventStream) -> list[str]:
    """Every status the stream still sends, until it ends."""
    seen = []
    while (event := await stream.next_event()) is not None:
        seen.append(event[1]["status"])
    return seen


async def test_stream_sends_each_status_change_and_ends_on_delivery(
    edge_app_for: AppFactory, saga: Saga
) -> None:
    async with edge_and_client(edge_app_for) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            assert (stream.status, stream.headers["content-type"]) == (
                200,
                "text/event-stream; charset=utf-8",
            )
            assert stream.headers["cache-control"] == "no-cache"
            first = await stream.next_event()
            saga.pay(order_id)
            paid = await stream.next_event()
            saga.dispatch(order_id)
            shipped = await stream.next_event()
            saga.deliver(order_id)
            rest = await statuses(stream)

    assert first is not None
    assert first[0] == "status"
    assert (first[1]["order_id"], first[1]["status"]) == (order_id, "PENDING_PAYMENT")
    assert paid is not None
    assert (paid[1]["status"], paid[1]["invoice"]["status"]) == ("AWAITING_SHIPMENT", "PAID")
    assert shipped is not None
    assert shipped[1]["status"] == "SHIPPED"
    assert rest == ["DELIVERED"]


async def test_statuses_passed_over_between_two_polls_are_still_sent_in_order(
    edge_app_for: AppFactory, saga: Saga
) -> None:
    # Paid, dispatched and delivered before the next poll: the poll sees DELIVERED only, yet no order
    # is delivered without having awaited shipment and been shipped.
    async with edge_and_client(edge_app_for, events_poll_seconds=0.2) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            first = await stream.next_event()
            saga.pay(order_id)
            saga.dispatch(order_id)
            saga.deliver(order_id)
            events = []
            while (event := await stream.next_event()) is not None:
                events.append(event[1])

    assert first is not None
    assert [first[1]["status"], *(event["status"] for event in events)] == [
        "PENDING_PAYMENT",
        "AWAITING_SHIPMENT",
        "SHIPPED",
        "DELIVERED",
    ]
    # Each carries the order as the poll read it: already delivered.
    assert {event["shipment"]["status"] for event in events} == {"DELIVERED"}


async def test_stream_ends_on_a_failed_payment(edge_app_for: AppFactory, saga: Saga) -> None:
    async with edge_and_client(edge_app_for) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            first = await stream.next_event()
            saga.fail_payment(order_id)
            rest = await statuses(stream)

    assert first is not None
    assert [first[1]["status"], *rest] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]


async def test_stream_of_a_finished_order_sends_its_status_once_and_ends(
    edge_app_for: AppFactory, saga: Saga
) -> None:
    async with edge_and_client(edge_app_for) as (app, client):
        order_id = await saga.place(client, ALICE)
        await client.post(f"/v1/orders/{order_id}:cancel", headers=ALICE)
        saga.settle_cancellation(order_id)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            sent = await statuses(stream)

    assert sent == ["CANCELLED"]


async def test_polls_missing_a_service_are_not_reported(
    edge_app_for: AppFactory, saga: Saga, billing: BillingServer
) -> None:
    async with edge_and_client(edge_app_for, request_timeout_seconds=0.2) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            first = await stream.next_event()
            billing.fake.hanging = True
            # Released stock without billing's word reads as CANCELLED: a guess, never to be sent.
            saga.fail_payment(order_id)
            await eventually(lambda: billing.fake.abandoned >= 2)
            billing.fake.hanging = False
            rest = await statuses(stream)

    assert first is not None
    assert [first[1]["status"], *rest] == ["PENDING_PAYMENT", "PAYMENT_FAILED"]


async def test_each_poll_has_a_budget_of_its_own(edge_app_for: AppFactory, saga: Saga) -> None:
    async with edge_and_client(edge_app_for, request_timeout_seconds=0.2) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            await stream.next_event()
            calls = saga.inventory.fake.calls
            # 30 polls 10 ms apart outlast the request's 0.2 s budget.
            await eventually(lambda: saga.inventory.fake.methods_called().count("GetReservation") > 30)
            saga.pay(order_id)
            later = await stream.next_event()

    assert later is not None
    assert later[1]["status"] == "AWAITING_SHIPMENT"
    [*_, (_, _, time_remaining)] = [call for call in calls if call[0] == "GetReservation"]
    assert time_remaining is not None
    assert 0 < time_remaining < 0.25  # the budget, give or take the rounding of grpc-timeout


async def test_stream_ends_after_its_maximum_duration_with_heartbeats_in_between(
    edge_app_for: AppFactory, saga: Saga, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge_gateway.order_events")
    limits = {"events_max_seconds": 0.3, "events_heartbeat_seconds": 0.05}
    async with edge_and_client(edge_app_for, **limits) as (app, client):
        order_id = await saga.place(client, ALICE)
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            sent = await statuses(stream)

    assert sent == ["PENDING_PAYMENT"]
    assert "keep-alive" in stream.comments
    [closed] = [r for r in caplog.records if r.getMessage() == "order event stream closed"]
    assert getattr(closed, "outcome", None) == "max_duration"


async def test_client_leaving_stops_the_stream_and_its_backend_calls(
    edge_app_for: AppFactory, saga: Saga, billing: BillingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="edge_gateway.order_events")
    # Budgets far beyond the test's patience: only the edge cancelling its calls can end them.
    async with edge_and_client(edge_app_for, request_timeout_seconds=60) as (app, client):
        order_id = await saga.place(client, ALICE)
        before = _edge_tasks()
        async with EventStream(app, f"/v1/orders/{order_id}/events", ALICE) as stream:
            await stream.next_event()
            asked = billing.fake.methods_called().count("GetInvoiceByOrder")
            billing.fake.hanging = True
            await eventually(lambda: billing.fake.methods_called().count("GetInvoiceByOrder") > asked)
            stream.disconnect()
        # Leaving the block waited for the app to return: the stream is over.

        await eventually(lambda: billing.fake.abandoned == 1, message="the hanging poll was not cancelled")
        await eventually(lambda: _edge_tasks() <= before, message="the stream left tasks behind")
    [closed] = [r for r in caplog.records if r.getMessage() == "order event stream closed"]
    assert getattr(closed, "outcome", None) == "client_gone"


async def test_another_customers_order_has_no_stream(edge_app_for: AppFactory, saga: Saga) -> None:
    async with edge_and_client(edge_app_for) as (_, client):
        order_id = await saga.place(client, ALICE)
        response = await client.get(f"/v1/orders/{order_id}/events", headers=bearer("bob"))

    problem(response, 404, "ORDER_NOT_FOUND")
