"""Failures around the edge: deadlines, a backend down or broken, and ids carried to the backend."""

import socket

import httpx
import pytest

from edge_gateway.schemas.health import Liveness, Readiness
from edge_gateway.schemas.items import Item
from edge_gateway.tests.assertions import problem, resource
from edge_gateway.tests.servers import EdgeFactory, InventoryServer, ShippingServer
from edge_gateway.tests.tokens import bearer

# gRPC C-core may round a deadline up when it encodes the grpc-timeout header (its encoder says so;
# a 1.5 s budget once arrived as 1.5097 s). A budget that was not carried at all would show as no
# deadline or the channel's default, far outside this margin.
HEADER_ROUNDING = 1.05


@pytest.fixture
def closed_address() -> str:
    """An address nothing listens on: bound to learn a free port, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


async def test_a_backend_slower_than_the_budget_is_504_and_saw_the_deadline(
    edge_for: EdgeFactory, inventory: InventoryServer
) -> None:
    inventory.fake.hanging_skus.add("SLOW-001")
    async with edge_for(request_timeout_seconds=0.3) as edge:
        document = problem(await edge.get("/v1/items/SLOW-001"), 504, "DEADLINE_EXCEEDED")

    assert document.code == "DEADLINE_EXCEEDED"
    [(_, _, time_remaining)] = inventory.fake.calls
    assert time_remaining is not None
    assert 0 < time_remaining <= 0.3 * HEADER_ROUNDING


async def test_every_call_carries_the_remaining_budget(
    edge_for: EdgeFactory, inventory: InventoryServer
) -> None:
    async with edge_for(request_timeout_seconds=1.5) as edge:
        resource(await edge.get("/v1/items/MUG-001"), 200, Item)

    [(_, _, time_remaining)] = inventory.fake.calls
    assert time_remaining is not None
    assert 0 < time_remaining <= 1.5 * HEADER_ROUNDING


async def test_backend_down_is_503_without_internal_detail(
    edge_for: EdgeFactory, closed_address: str
) -> None:
    async with edge_for(inventory_addr=closed_address) as edge:
        response = await edge.get("/v1/items/MUG-001")

    document = problem(response, 503, "BACKEND_UNAVAILABLE")
    assert document.code == "UNAVAILABLE"
    assert response.headers["retry-after"] == "1"
    assert closed_address.split(":")[1] not in response.text


@pytest.mark.parametrize("backend", ["inventory", "billing", "shipping"])
async def test_readyz_is_503_and_healthz_200_while_any_backend_is_down(
    edge_for: EdgeFactory, closed_address: str, backend: str
) -> None:
    async with edge_for(**{f"{backend}_addr": closed_address}) as edge:
        ready = await edge.get("/readyz")
        live = await edge.get("/healthz")

    expected = dict.fromkeys(("inventory", "billing", "shipping"), "SERVING") | {backend: "UNREACHABLE"}
    assert resource(ready, 503, Readiness).backends == expected
    assert resource(live, 200, Liveness).status == "ok"


async def test_readyz_follows_the_backends_health_status(
    edge: httpx.AsyncClient, shipping: ShippingServer
) -> None:
    serving = resource(await edge.get("/readyz"), 200, Readiness)
    await shipping.set_serving(False)
    draining = resource(await edge.get("/readyz"), 503, Readiness)

    everyone = dict.fromkeys(("inventory", "billing", "shipping"), "SERVING")
    assert (serving.status, serving.backends) == ("ready", everyone)
    assert (draining.status, draining.backends) == ("not_ready", everyone | {"shipping": "NOT_SERVING"})


async def test_request_id_and_trace_are_propagated_to_the_backend(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    headers = {"X-Request-ID": "req-42", "traceparent": incoming}
    response = await edge.get("/v1/items/MUG-001", headers=headers)

    assert response.headers["x-request-id"] == "req-42"
    [(_, metadata, _)] = inventory.fake.calls
    assert metadata["x-request-id"] == "req-42"
    version, trace_id, parent_id, flags = metadata["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert parent_id != "00f067aa0ba902b7"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none-sent"),
        pytest.param({"X-Request-ID": "bad id\twith controls", "traceparent": "00-xyz"}, id="malformed"),
        pytest.param({"traceparent": "00-" + "0" * 32 + "-00f067aa0ba902b7-01"}, id="zero-trace-id"),
    ],
)
async def test_missing_or_malformed_ids_are_replaced_with_fresh_ones(
    edge: httpx.AsyncClient, inventory: InventoryServer, headers: dict[str, str]
) -> None:
    response = await edge.get("/v1/items/MUG-001", headers=headers)

    [(_, metadata, _)] = inventory.fake.calls
    assert metadata["x-request-id"] == response.headers["x-request-id"]
    assert len(response.headers["x-request-id"]) == 32
    _, trace_id, parent_id, _ = metadata["traceparent"].split("-")
    assert len(trace_id) == 32
    assert trace_id != "0" * 32
    assert len(parent_id) == 16


async def test_backend_crash_is_500_for_the_client_and_logged_for_operators(
    edge: httpx.AsyncClient, inventory: InventoryServer, caplog: pytest.LogCaptureFixture
) -> None:
    inventory.fake.crash_message = "db password is hunter2"
    response = await edge.get("/v1/items/MUG-001")

    document = problem(response, 500, "INTERNAL")
    assert "hunter2" not in response.text
    assert document.detail == "the request could not be completed"
    [record] = [r for r in caplog.records if r.getMessage() == "backend call failed"]
    assert "hunter2" in getattr(record, "backend_message", "")
    assert getattr(record, "request_id", None) == response.headers["x-request-id"]


async def test_unexpected_edge_error_is_a_500_problem_without_traceback(
    edge: httpx.AsyncClient, inventory: InventoryServer
) -> None:
    placed = await edge.post(
        "/v1/orders",
        json={
            "lines": [{"sku": "MUG-001", "quantity": 1}],
            "shipping_address": {
                "name": "A",
                "line1": "B 1",
                "city": "C",
                "postal_code": "10115",
                "country": "DE",
            },
        },
        headers=bearer("alice"),
    )
    order_id = placed.json()["order_id"]
    # A reservation status this edge does not know: the contract moved ahead of the edge.
    inventory.fake.reservations[order_id][1].status = 99  # type: ignore[assignment]  # open proto3 enum
    response = await edge.get(f"/v1/orders/{order_id}", headers=bearer("alice"))

    document = problem(response, 500, "INTERNAL")
    assert document.code == "INTERNAL"
    assert "ValueError" not in response.text


async def test_unknown_route_is_a_404_problem(edge: httpx.AsyncClient) -> None:
    problem(await edge.get("/v1/nothing-here"), 404, "ROUTE_NOT_FOUND")


async def test_wrong_method_is_a_405_problem_listing_allowed_methods(edge: httpx.AsyncClient) -> None:
    response = await edge.delete("/v1/items/MUG-001")

    problem(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["allow"]
