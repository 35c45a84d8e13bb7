"""POST /v1/orders/{id}:cancel: shipping arbitrates; 202 before dispatch, 409 after, 404 for others."""

import uuid

import httpx

from edge_gateway.schemas.orders import Order, OrderStatus
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.saga import Saga
from edge_gateway.tests.tokens import bearer

ALICE = bearer("alice")
BOB = bearer("bob")
ADMIN = bearer("root", "admin")


async def test_cancelling_a_paid_order_cancels_its_shipment_at_once(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    saga.pay(order_id)

    response = await edge.post(f"/v1/orders/{order_id}:cancel", headers=ALICE)

    order = resource(response, 202, Order)
    assert order.status is OrderStatus.CANCELLED
    assert order.shipment is not None
    assert order.shipment.status == "CANCELLED"
    assert saga.cancellation_reason(order_id) == "CANCELLATION_REASON_CUSTOMER_REQUEST"


async def test_order_cancelled_before_payment_shows_cancelled_once_its_stock_is_released(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)

    accepted = resource(await edge.post(f"/v1/orders/{order_id}:cancel", headers=ALICE), 202, Order)
    saga.settle_cancellation(order_id)  # inventory consumed OrderCancelled
    settled = resource(await edge.get(f"/v1/orders/{order_id}", headers=ALICE), 200, Order)

    # Shipping recorded the cancellation but has no shipment to show it on yet.
    assert accepted.status is OrderStatus.PENDING_PAYMENT
    assert order_id in saga.shipping.fake.cancellations
    assert settled.status is OrderStatus.CANCELLED


async def test_admin_cancels_for_the_customer_with_the_admin_reason(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)

    resource(await edge.post(f"/v1/orders/{order_id}:cancel", headers=ADMIN), 202, Order)

    assert saga.cancellation_reason(order_id) == "CANCELLATION_REASON_ADMIN_REQUEST"
    assert saga.shipping.fake.cancellations[order_id].order_id == order_id


async def test_repeated_cancel_is_accepted_again_and_changes_nothing(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    saga.pay(order_id)
    first = resource(await edge.post(f"/v1/orders/{order_id}:cancel", headers=ALICE), 202, Order)

    again = resource(await edge.post(f"/v1/orders/{order_id}:cancel", headers=ADMIN), 202, Order)

    assert again == first
    assert saga.cancellation_reason(order_id) == "CANCELLATION_REASON_CUSTOMER_REQUEST"


async def test_cancelling_a_dispatched_order_is_409_and_it_stays_shipped(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    saga.pay(order_id)
    saga.dispatch(order_id)

    document = problem(
        await edge.post(f"/v1/orders/{order_id}:cancel", headers=ALICE), 409, "ORDER_ALREADY_DISPATCHED"
    )

    assert document.code == "FAILED_PRECONDITION"
    assert (
        resource(await edge.get(f"/v1/orders/{order_id}", headers=ALICE), 200, Order).status
        is OrderStatus.SHIPPED
    )
    assert order_id not in saga.shipping.fake.cancellations


async def test_another_customers_order_is_404_and_is_not_cancelled(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)

    foreign = problem(await edge.post(f"/v1/orders/{order_id}:cancel", headers=BOB), 404, "ORDER_NOT_FOUND")
    unknown = problem(
        await edge.post(f"/v1/orders/{uuid.uuid4()}:cancel", headers=BOB), 404, "ORDER_NOT_FOUND"
    )

    assert foreign.type == unknown.type
    assert saga.shipping.fake.methods_called() == []


async def test_carriers_may_not_cancel_orders(edge: httpx.AsyncClient, saga: Saga) -> None:
    order_id = await saga.place(edge, ALICE)

    problem(
        await edge.post(f"/v1/orders/{order_id}:cancel", headers=bearer("dhl", "carrier")),
        403,
        "ROLE_NOT_ALLOWED",
    )
    assert saga.shipping.fake.cancellations == {}
