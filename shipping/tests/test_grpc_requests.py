"""Quotes, lookups, listings and bad input through the real server: answers, codes, reasons and fields."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable

import grpc
import grpc.aio
import pytest
from nats.js import JetStreamContext

from mercado.shipping.v1 import events_pb2 as events
from mercado.shipping.v1 import shipping_pb2 as pb
from shipping.tests.harness import RpcFailure, RunningService, failure_of
from shipping.tests.messaging import paid_and_shipped

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND


async def refused(call: Awaitable[object]) -> RpcFailure:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return failure_of(error.value)


async def test_a_quote_prices_the_parcel_from_the_rate_table(service: RunningService) -> None:
    request = pb.QuoteShipmentRequest(destination_country="FR", total_weight_grams=1800, currency_code="EUR")
    reply = await service.stub.QuoteShipment(request)
    assert (reply.fee.currency_code, reply.fee.amount_minor) == ("EUR", 1299)
    assert (reply.eta_days, reply.carrier) == (4, "Mercado Post")


async def test_a_malformed_quote_request_names_every_bad_field(service: RunningService) -> None:
    request = pb.QuoteShipmentRequest(destination_country="France", total_weight_grams=-5, currency_code="")
    failure = await refused(service.stub.QuoteShipment(request))
    assert (failure.code, failure.reason) == (INVALID, "INVALID_ARGUMENT")
    assert failure.fields == ["destination_country", "total_weight_grams", "currency_code"]


@pytest.mark.parametrize(
    ("country", "weight", "currency"),
    [("AQ", 500, "EUR"), ("DE", 40_000, "EUR"), ("DE", 500, "CHF")],
    ids=["destination", "weight", "currency"],
)
async def test_a_parcel_without_a_rate_is_unshippable(
    service: RunningService, country: str, weight: int, currency: str
) -> None:
    request = pb.QuoteShipmentRequest(
        destination_country=country, total_weight_grams=weight, currency_code=currency
    )
    failure = await refused(service.stub.QuoteShipment(request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "UNSHIPPABLE")


async def test_unknown_shipments_and_orders_are_not_found(service: RunningService) -> None:
    unknown = str(uuid.uuid4())
    by_id = await refused(service.stub.GetShipment(pb.GetShipmentRequest(shipment_id=unknown)))
    by_order = await refused(service.stub.GetShipmentByOrder(pb.GetShipmentByOrderRequest(order_id=unknown)))
    for failure in (by_id, by_order):
        assert (failure.code, failure.reason) == (NOT_FOUND, "SHIPMENT_NOT_FOUND")
    moved = await refused(service.stub.DispatchShipment(pb.DispatchShipmentRequest(shipment_id=unknown)))
    assert (moved.code, moved.reason) == (NOT_FOUND, "SHIPMENT_NOT_FOUND")


async def test_ids_that_are_not_uuids_are_invalid_arguments(service: RunningService) -> None:
    calls: list[tuple[Awaitable[object], str]] = [
        (service.stub.GetShipment(pb.GetShipmentRequest(shipment_id="S-1")), "shipment_id"),
        (service.stub.GetShipmentByOrder(pb.GetShipmentByOrderRequest(order_id="o1")), "order_id"),
        (service.stub.DeliverShipment(pb.DeliverShipmentRequest()), "shipment_id"),
    ]
    for call, field in calls:
        failure = await refused(call)
        assert (failure.code, failure.fields) == (INVALID, [field])


async def test_a_cancellation_without_a_reason_is_invalid_and_changes_nothing(
    service: RunningService,
) -> None:
    order_id = str(uuid.uuid4())
    failure = await refused(service.stub.CancelOrder(pb.CancelOrderRequest(order_id=order_id)))
    assert (failure.code, failure.fields) == (INVALID, ["reason"])
    retry = pb.CancelOrderRequest(order_id=order_id, reason=events.CANCELLATION_REASON_ADMIN_REQUEST)
    assert (await service.stub.CancelOrder(retry)).reason == events.CANCELLATION_REASON_ADMIN_REQUEST


async def test_listing_pages_oldest_first_and_filters_by_status_and_customer(
    service: RunningService, js: JetStreamContext
) -> None:
    shipped = [await paid_and_shipped(service, js, customer_id=c) for c in ("ann", "ben", "ann", "ann")]
    await service.stub.DispatchShipment(pb.DispatchShipmentRequest(shipment_id=shipped[2].shipment_id))
    first = await service.stub.ListShipments(pb.ListShipmentsRequest(customer_id="ann", page_size=2))
    second = await service.stub.ListShipments(
        pb.ListShipmentsRequest(customer_id="ann", page_size=2, page_token=first.next_page_token)
    )
    ids = [s.shipment_id for s in [*first.shipments, *second.shipments]]
    assert ids == [shipped[i].shipment_id for i in (0, 2, 3)]
    assert second.next_page_token == ""
    pending = await service.stub.ListShipments(
        pb.ListShipmentsRequest(status=pb.SHIPMENT_STATUS_PENDING, customer_id="ann")
    )
    assert [s.shipment_id for s in pending.shipments] == [shipped[i].shipment_id for i in (0, 3)]


async def test_a_page_token_only_continues_the_listing_it_came_from(
    service: RunningService, js: JetStreamContext
) -> None:
    for _ in range(2):
        await paid_and_shipped(service, js)
    token = (await service.stub.ListShipments(pb.ListShipmentsRequest(page_size=1))).next_page_token
    requests = [
        pb.ListShipmentsRequest(page_size=1, page_token=token, status=pb.SHIPMENT_STATUS_PENDING),
        pb.ListShipmentsRequest(page_token="not-a-token"),
        pb.ListShipmentsRequest(page_size=101),
        pb.ListShipmentsRequest(status=42),  # type: ignore[arg-type]
    ]
    fields = [(await refused(service.stub.ListShipments(r))).fields for r in requests]
    assert fields == [["page_token"], ["page_token"], ["page_size"], ["status"]]
