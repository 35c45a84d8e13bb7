"""Integration tests of the reservation RPCs through the real gRPC server on SQLite."""

from __future__ import annotations

import uuid

import grpc
import grpc.aio
import pytest

from inventory.tests.harness import RunningService, address, create_request, eur, failure_of, reserve_request
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2 as pb


async def stock(service: RunningService, *items: tuple[str, int]) -> None:
    for sku, on_hand in items:
        await service.stub.CreateItem(create_request(sku, on_hand=on_hand))


async def available(service: RunningService, sku: str) -> int:
    return int((await service.stub.GetItem(pb.GetItemRequest(sku=sku))).item.available)


async def rejection(service: RunningService, request: pb.ReserveStockRequest) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ReserveStock(request)
    return error.value


async def test_reserve_returns_the_priced_reservation_and_holds_the_stock(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10), ("TEA-002", 5))
    reply = await service.stub.ReserveStock(reserve_request(("MUG-001", 2), ("TEA-002", 1)))
    reservation = reply.reservation
    assert reservation.status == pb.RESERVATION_STATUS_RESERVED
    assert [(line.sku, line.quantity) for line in reservation.lines] == [("MUG-001", 2), ("TEA-002", 1)]
    assert reservation.lines[0].unit_price == eur(1250)
    assert reservation.lines[0].line_total == eur(2500)
    assert reservation.subtotal == eur(3 * 1250)
    assert reservation.total_weight_grams == 3 * 350
    assert reservation.expire_time.seconds - reservation.create_time.seconds == 900
    assert (await available(service, "MUG-001"), await available(service, "TEA-002")) == (8, 4)
    stored = await service.stub.GetReservation(pb.GetReservationRequest(order_id=reservation.order_id))
    assert stored.reservation == reservation


async def test_a_retried_request_returns_the_same_reservation_without_holding_twice(
    service: RunningService,
) -> None:
    await stock(service, ("MUG-001", 10))
    request = reserve_request(("MUG-001", 3))
    first = await service.stub.ReserveStock(request)
    again = await service.stub.ReserveStock(request)
    assert again.reservation == first.reservation
    assert await available(service, "MUG-001") == 7


async def test_another_payload_for_a_known_order_id_is_already_exists(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10))
    first = await service.stub.ReserveStock(reserve_request(("MUG-001", 3)))
    order_id = first.reservation.order_id
    failure = failure_of(await rejection(service, reserve_request(("MUG-001", 4), order_id=order_id)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.ALREADY_EXISTS, "ORDER_ID_REUSED")
    assert await available(service, "MUG-001") == 7


async def test_insufficient_stock_reserves_nothing_of_any_line(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10), ("TEA-002", 1))
    request = reserve_request(("MUG-001", 2), ("TEA-002", 2))
    failure = failure_of(await rejection(service, request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INSUFFICIENT_STOCK")
    assert failure.metadata == {"sku": "TEA-002", "requested": "2", "available": "1"}
    assert (await available(service, "MUG-001"), await available(service, "TEA-002")) == (10, 1)
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await service.stub.GetReservation(pb.GetReservationRequest(order_id=request.order_id))
    assert failure_of(missing.value).reason == "RESERVATION_NOT_FOUND"


async def test_invalid_lines_and_address_are_reported_by_field_path(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10), ("TEA-002", 5))
    request = reserve_request(("MUG-001", 1), ("TEA-002", 0), ("MUG-001", 1))
    request.shipping_address.CopyFrom(address(country="gb", postal_code=""))
    failure = failure_of(await rejection(service, request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == [
        "lines[1].quantity",
        "lines[2].sku",
        "shipping_address.postal_code",
        "shipping_address.country",
    ]
    assert await available(service, "MUG-001") == 10


async def test_an_unknown_sku_names_its_line(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10))
    failure = failure_of(await rejection(service, reserve_request(("MUG-001", 1), ("NOPE-404", 1))))
    assert (failure.code, failure.reason, failure.fields) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "UNKNOWN_SKU",
        ["lines[1].sku"],
    )


async def test_items_in_two_currencies_cannot_be_reserved_together(service: RunningService) -> None:
    await stock(service, ("MUG-001", 10))
    usd = create_request("CAP-003")
    usd.unit_price.CopyFrom(money_pb2.Money(currency_code="USD", amount_minor=900))
    await service.stub.CreateItem(usd)
    failure = failure_of(await rejection(service, reserve_request(("MUG-001", 1), ("CAP-003", 1))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "MIXED_CURRENCY")
    assert await available(service, "MUG-001") == 10


async def test_a_malformed_order_id_is_invalid_for_reads_and_unknown_is_not_found(
    service: RunningService,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as malformed:
        await service.stub.GetReservation(pb.GetReservationRequest(order_id="order-1"))
    assert failure_of(malformed.value).fields == ["order_id"]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await service.stub.GetReservation(pb.GetReservationRequest(order_id=str(uuid.uuid4())))
    assert failure_of(unknown.value).code == grpc.StatusCode.NOT_FOUND


async def test_list_reservations_shows_one_customers_orders_newest_first(service: RunningService) -> None:
    await stock(service, ("MUG-001", 100))
    mine = [(await service.stub.ReserveStock(reserve_request(("MUG-001", n)))).reservation for n in (1, 2, 3)]
    await service.stub.ReserveStock(reserve_request(("MUG-001", 1), customer_id="bob"))
    first = await service.stub.ListReservations(pb.ListReservationsRequest(customer_id="alice", page_size=2))
    second = await service.stub.ListReservations(
        pb.ListReservationsRequest(customer_id="alice", page_size=2, page_token=first.next_page_token)
    )
    listed = [r.order_id for r in [*first.reservations, *second.reservations]]
    assert listed == [r.order_id for r in reversed(mine)]
    assert second.next_page_token == ""
    everyone = await service.stub.ListReservations(pb.ListReservationsRequest())
    assert len(everyone.reservations) == 4


async def test_a_page_token_cannot_be_reused_for_another_customer(service: RunningService) -> None:
    await stock(service, ("MUG-001", 100))
    for _ in range(2):
        await service.stub.ReserveStock(reserve_request(("MUG-001", 1)))
    page = await service.stub.ListReservations(pb.ListReservationsRequest(customer_id="alice", page_size=1))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListReservations(
            pb.ListReservationsRequest(customer_id="bob", page_token=page.next_page_token)
        )
    assert failure_of(error.value).fields == ["page_token"]
