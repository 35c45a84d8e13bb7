"""/v1/invoices and /v1/shipments: who may read them, and the carriers' `:dispatch` and `:deliver`."""

import uuid

import httpx
import pytest

from edge_gateway.schemas.billing import Invoice
from edge_gateway.schemas.shipping import Shipment
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.fake_shipping import PENDING
from edge_gateway.tests.saga import Saga
from edge_gateway.tests.tokens import bearer
from mercado.billing.v1 import billing_pb2

ALICE = bearer("alice")
BOB = bearer("bob")
ADMIN = bearer("root", "admin")
CARRIER = bearer("dhl", "carrier")


async def test_owner_and_admin_read_an_invoice_with_its_lines(edge: httpx.AsyncClient, saga: Saga) -> None:
    order_id = await saga.place(edge, ALICE)
    stored = saga.invoice(order_id, billing_pb2.INVOICE_STATUS_FAILED)

    invoice = resource(await edge.get(f"/v1/invoices/{stored.invoice_id}", headers=ALICE), 200, Invoice)

    assert (invoice.order_id, invoice.status, invoice.failure_reason) == (
        order_id,
        "FAILED",
        "INSUFFICIENT_FUNDS",
    )
    assert invoice.failure_detail == "the balance does not cover the total"
    assert invoice.failed_at is not None
    assert invoice.paid_at is None
    assert (
        resource(await edge.get(f"/v1/invoices/{stored.invoice_id}", headers=ADMIN), 200, Invoice) == invoice
    )


async def test_another_customers_invoice_is_404_like_an_unknown_one(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    stored = saga.invoice(order_id, billing_pb2.INVOICE_STATUS_PAID)

    foreign = problem(
        await edge.get(f"/v1/invoices/{stored.invoice_id}", headers=BOB), 404, "INVOICE_NOT_FOUND"
    )
    unknown = problem(await edge.get(f"/v1/invoices/{uuid.uuid4()}", headers=BOB), 404, "INVOICE_NOT_FOUND")

    assert "alice" not in foreign.model_dump_json()
    assert (foreign.type, foreign.code) == (unknown.type, unknown.code)


async def test_carriers_may_not_read_invoices(edge: httpx.AsyncClient) -> None:
    problem(await edge.get(f"/v1/invoices/{uuid.uuid4()}", headers=CARRIER), 403, "ROLE_NOT_ALLOWED")


@pytest.mark.parametrize("path", ["/v1/invoices/not-a-uuid", "/v1/shipments/not-a-uuid"])
async def test_malformed_ids_are_422(edge: httpx.AsyncClient, path: str) -> None:
    problem(await edge.get(path, headers=ADMIN), 422, "VALIDATION_FAILED")


@pytest.mark.parametrize("reader", [ALICE, ADMIN, CARRIER], ids=["owner", "admin", "carrier"])
async def test_owner_admin_and_carriers_read_a_shipment(
    edge: httpx.AsyncClient, saga: Saga, reader: dict[str, str]
) -> None:
    order_id = await saga.place(edge, ALICE)
    stored = saga.pay(order_id)

    shipment = resource(await edge.get(f"/v1/shipments/{stored.shipment_id}", headers=reader), 200, Shipment)

    assert (shipment.order_id, shipment.customer_id, shipment.status) == (order_id, "alice", "PENDING")
    assert shipment.shipping_address.country == "DE"
    assert shipment.cancellation_reason is None


async def test_another_customers_shipment_is_404_like_an_unknown_one(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    stored = saga.pay(order_id)

    foreign = problem(
        await edge.get(f"/v1/shipments/{stored.shipment_id}", headers=BOB), 404, "SHIPMENT_NOT_FOUND"
    )
    unknown = problem(await edge.get(f"/v1/shipments/{uuid.uuid4()}", headers=BOB), 404, "SHIPMENT_NOT_FOUND")

    assert (foreign.type, foreign.detail.startswith("shipment ")) == (unknown.type, True)


async def test_carrier_dispatches_then_delivers_and_the_order_follows(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    shipment_id = saga.pay(order_id).shipment_id

    dispatched = resource(
        await edge.post(f"/v1/shipments/{shipment_id}:dispatch", headers=CARRIER), 200, Shipment
    )
    repeated = resource(
        await edge.post(f"/v1/shipments/{shipment_id}:dispatch", headers=CARRIER), 200, Shipment
    )
    delivered = resource(
        await edge.post(f"/v1/shipments/{shipment_id}:deliver", headers=ADMIN), 200, Shipment
    )

    assert (dispatched.status, repeated, delivered.status) == ("DISPATCHED", dispatched, "DELIVERED")
    assert [change.status for change in delivered.history] == ["PENDING", "DISPATCHED", "DELIVERED"]
    order = await edge.get(f"/v1/orders/{order_id}", headers=ALICE)
    assert order.json()["status"] == "DELIVERED"


async def test_dispatching_a_cancelled_shipment_is_409_and_leaves_it_cancelled(
    edge: httpx.AsyncClient, saga: Saga
) -> None:
    order_id = await saga.place(edge, ALICE)
    shipment_id = saga.pay(order_id).shipment_id
    await edge.post(f"/v1/orders/{order_id}:cancel", headers=ALICE)

    problem(
        await edge.post(f"/v1/shipments/{shipment_id}:dispatch", headers=CARRIER), 409, "SHIPMENT_CANCELLED"
    )

    shipment = resource(await edge.get(f"/v1/shipments/{shipment_id}", headers=CARRIER), 200, Shipment)
    assert (shipment.status, shipment.cancellation_reason) == ("CANCELLED", "CUSTOMER_REQUEST")


async def test_delivering_an_undispatched_shipment_is_409(edge: httpx.AsyncClient, saga: Saga) -> None:
    order_id = await saga.place(edge, ALICE)
    shipment_id = saga.pay(order_id).shipment_id

    response = await edge.post(f"/v1/shipments/{shipment_id}:deliver", headers=CARRIER)

    assert problem(response, 409, "SHIPMENT_NOT_DISPATCHED").code == "FAILED_PRECONDITION"
    assert saga.shipment(order_id).status == PENDING


async def test_dispatching_an_unknown_shipment_is_404(edge: httpx.AsyncClient) -> None:
    problem(
        await edge.post(f"/v1/shipments/{uuid.uuid4()}:dispatch", headers=CARRIER), 404, "SHIPMENT_NOT_FOUND"
    )


@pytest.mark.parametrize("verb", ["dispatch", "deliver"])
async def test_customers_may_not_move_shipments(edge: httpx.AsyncClient, saga: Saga, verb: str) -> None:
    order_id = await saga.place(edge, ALICE)
    shipment_id = saga.pay(order_id).shipment_id

    problem(await edge.post(f"/v1/shipments/{shipment_id}:{verb}", headers=ALICE), 403, "ROLE_NOT_ALLOWED")
    assert saga.shipping.fake.methods_called() == []
