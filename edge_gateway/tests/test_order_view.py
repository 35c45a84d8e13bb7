"""GET /v1/orders: the order composed from the three services, whatever state the saga left them in."""

import asyncio
import socket
import uuid
from collections.abc import Callable

import httpx
import pytest

from chassis.testing import eventually
from edge_gateway.schemas.orders import Order, OrderPage, OrderStatus
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.order_bodies import ORDER
from edge_gateway.tests.saga import Saga
from edge_gateway.tests.servers import BillingServer, EdgeFactory, InventoryServer, ShippingServer
from edge_gateway.tests.tokens import bearer
from mercado.billing.v1 import billing_pb2

ALICE = bearer("alice")
ADMIN = bearer("root", "admin")


def placed(saga: Saga, order_id: str) -> None:
    """Nothing happened after the reservation yet."""


def paid(saga: Saga, order_id: str) -> None:
    saga.invoice(order_id, billing_pb2.INVOICE_STATUS_PAID)


def shipment_created(saga: Saga, order_id: str) -> None:
    saga.pay(order_id)


def dispatched(saga: Saga, order_id: str) -> None:
    saga.pay(order_id)
    saga.dispatch(order_id)


def delivered(saga: Saga, order_id: str) -> None:
    dispatched(saga, order_id)
    saga.deliver(order_id)


def cancelled_with_shipment(saga: Saga, order_id: str) -> None:
    saga.pay(order_id)
    saga.cancel_shipment(order_id)
    saga.settle_cancellation(order_id)


# One path through the saga per public status, with the parts the order then carries.
SAGA_STEPS: list[tuple[Callable[[Saga, str], None], OrderStatus, bool, bool]] = [
    (placed, OrderStatus.PENDING_PAYMENT, False, False),
    (paid, OrderStatus.AWAITING_SHIPMENT, True, False),
    (shipment_created, OrderStatus.AWAITING_SHIPMENT, True, True),
    (Saga.fail_payment, OrderStatus.PAYMENT_FAILED, True, False),
    (dispatched, OrderStatus.SHIPPED, True, True),
    (delivered, OrderStatus.DELIVERED, True, True),
    (Saga.settle_cancellation, OrderStatus.CANCELLED, False, False),
    (cancelled_with_shipment, OrderStatus.CANCELLED, True, True),
]


@pytest.mark.parametrize(
    ("step", "expected"),
    [pytest.param(step, tuple(rest), id=step.__name__) for step, *rest in SAGA_STEPS],
)
async def test_order_shows_the_status_and_parts_of_its_saga_step(
    edge: httpx.AsyncClient,
    saga: Saga,
    step: Callable[[Saga, str], None],
    expected: tuple[OrderStatus, bool, bool],
) -> None:
    order_id = await saga.place(edge, ALICE)
    step(saga, order_id)

    response = await edge.get(f"/v1/orders/{order_id}", headers=ALICE)

    order = resource(response, 200, Order)
    body = response.json()
    assert (order.status, "invoice" in body, "shipment" in body) == expected
    assert order.degraded == []
    assert (order.totals.total is not None) == ("invoice" in body)


async def test_invoiced_order_carries_fee_total_and_the_shipment_history(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    dispatched(saga, order_id)

    order = resource(await edge.get(f"/v1/orders/{order_id}", headers=ALICE), 200, Order)

    assert order.invoice is not None
    assert order.shipment is not None
    assert (order.totals.subtotal.amount_minor, order.invoice.subtotal.amount_minor) == (6498, 6498)
    assert order.totals.shipping_fee == order.invoice.shipping_fee
    assert order.totals.total is not None
    assert order.totals.total.amount_minor == 6498 + 590
    assert [change.status for change in order.shipment.history] == ["PENDING", "DISPATCHED"]
    assert order.shipment.tracking_number.startswith("DHL")


async def test_failed_payment_shows_the_reason(edge: httpx.AsyncClient, saga: Saga) -> None:
    order_id = await saga.place(edge, ALICE)
    saga.fail_payment(order_id)

    order = resource(await edge.get(f"/v1/orders/{order_id}", headers=ALICE), 200, Order)

    assert order.invoice is not None
    assert (order.status, order.invoice.failure_reason) == (OrderStatus.PAYMENT_FAILED, "INSUFFICIENT_FUNDS")


@pytest.mark.parametrize("slow", ["billing", "shipping"])
async def test_a_service_slower_than_the_budget_leaves_its_part_out_within_the_budget(
    edge_for: EdgeFactory,
    saga: Saga,
    billing: BillingServer,
    shipping: ShippingServer,
    slow: str,
) -> None:
    async with edge_for(request_timeout_seconds=0.5, composition_margin_seconds=0.2) as edge:
        order_id = await saga.place(edge, ALICE)
        saga.pay(order_id)
        hanging = billing if slow == "billing" else shipping
        hanging.fake.hanging = True
        response = await edge.get(f"/v1/orders/{order_id}", headers=ALICE)

    order = resource(response, 200, Order)
    assert order.degraded == [slow]
    assert order.status is OrderStatus.AWAITING_SHIPMENT  # told by the part that did answer
    assert (order.invoice is None, order.shipment is None) == (slow == "billing", slow == "shipping")
    # The hanging call was given the budget minus the margin (0.3 s), so the answer fits in the budget.
    [(_, _, time_remaining)] = [call for call in hanging.fake.calls if call[0].endswith("ByOrder")]
    assert time_remaining is not None
    assert time_remaining < 0.5 - 0.1


@pytest.fixture
def closed_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


async def test_unavailable_billing_and_shipping_degrade_the_order_instead_of_failing_it(
    edge_for: EdgeFactory, closed_address: str
) -> None:
    async with edge_for(billing_addr=closed_address, shipping_addr=closed_address) as edge:
        placed_order = resource(await edge.post("/v1/orders", json=ORDER, headers=ALICE), 202, Order)
        response = await edge.get(f"/v1/orders/{placed_order.order_id}", headers=ALICE)
        listed = await edge.get("/v1/orders", headers=ALICE)

    order = resource(response, 200, Order)
    assert (order.status, order.degraded) == (OrderStatus.PENDING_PAYMENT, ["billing", "shipping"])
    assert [o.degraded for o in resource(listed, 200, OrderPage).orders] == [["billing", "shipping"]]


async def test_unknown_order_is_404_and_the_calls_beside_it_are_abandoned(
    edge_for: EdgeFactory, inventory: InventoryServer, billing: BillingServer, shipping: ShippingServer
) -> None:
    billing.fake.hanging = shipping.fake.hanging = True
    inventory.fake.reservations_held = asyncio.Event()
    # A budget far beyond the test's patience: only cancelling the calls can end them.
    async with edge_for(request_timeout_seconds=60) as edge:
        reading = asyncio.create_task(edge.get(f"/v1/orders/{uuid.uuid4()}", headers=ALICE))
        await eventually(lambda: bool(billing.fake.calls and shipping.fake.calls))
        inventory.fake.reservations_held.set()  # only now does inventory answer NOT_FOUND

        problem(await reading, 404, "ORDER_NOT_FOUND")
        await eventually(lambda: (billing.fake.abandoned, shipping.fake.abandoned) == (1, 1))


async def test_listed_orders_are_composed_too(edge: httpx.AsyncClient, saga: Saga) -> None:
    first = await saga.place(edge, ALICE)
    second = await saga.place(edge, ALICE)
    dispatched(saga, first)
    saga.fail_payment(second)

    page = resource(await edge.get("/v1/orders", headers=ADMIN), 200, OrderPage)

    assert {o.order_id: o.status for o in page.orders} == {
        first: OrderStatus.SHIPPED,
        second: OrderStatus.PAYMENT_FAILED,
    }
