"""Integration tests of the catalogue RPCs through the real gRPC server on SQLite."""

from __future__ import annotations

import grpc
import grpc.aio
import pytest

from inventory.tests.harness import RunningService, create_request, eur, failure_of
from mercado.inventory.v1 import inventory_pb2 as pb


async def test_a_created_item_can_be_read_back_with_its_availability(service: RunningService) -> None:
    created = (await service.stub.CreateItem(create_request("MUG-001", on_hand=12))).item
    read = (await service.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item
    assert read == created
    assert (read.on_hand, read.reserved, read.available) == (12, 0, 12)
    assert read.unit_price == eur(1250)
    assert read.create_time.seconds > 0


async def test_creating_a_taken_sku_is_already_exists(service: RunningService) -> None:
    await service.stub.CreateItem(create_request("MUG-001"))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.CreateItem(create_request("MUG-001", on_hand=99))
    failure = failure_of(error.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.ALREADY_EXISTS, "ITEM_ALREADY_EXISTS")
    assert (await service.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item.on_hand == 10


async def test_an_invalid_item_is_rejected_field_by_field_and_not_stored(service: RunningService) -> None:
    request = create_request("mug")
    request.unit_price.CopyFrom(eur(0))
    request.weight_grams = 0
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.CreateItem(request)
    failure = failure_of(error.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert failure.fields == ["sku", "unit_price.amount_minor", "weight_grams"]
    listed = await service.stub.ListItems(pb.ListItemsRequest())
    assert list(listed.items) == []


async def test_an_unknown_sku_is_not_found(service: RunningService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.GetItem(pb.GetItemRequest(sku="NOPE-404"))
    failure = failure_of(error.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "ITEM_NOT_FOUND")


async def test_list_items_pages_through_the_catalogue_with_opaque_tokens(service: RunningService) -> None:
    for sku in ["CCC-3", "AAA-1", "EEE-5", "BBB-2", "DDD-4"]:
        await service.stub.CreateItem(create_request(sku))
    seen: list[str] = []
    token = ""
    for _ in range(3):
        page = await service.stub.ListItems(pb.ListItemsRequest(page_size=2, page_token=token))
        seen += [item.sku for item in page.items]
        token = page.next_page_token
    assert seen == ["AAA-1", "BBB-2", "CCC-3", "DDD-4", "EEE-5"]
    assert token == ""


async def test_a_forged_page_token_is_invalid_argument(service: RunningService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListItems(pb.ListItemsRequest(page_token="not-a-token"))
    failure = failure_of(error.value)
    assert (failure.code, failure.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"])


async def test_a_page_size_above_the_cap_is_invalid_argument(service: RunningService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.ListItems(pb.ListItemsRequest(page_size=101))
    assert failure_of(error.value).fields == ["page_size"]


async def test_restock_and_shrinkage_change_on_hand(service: RunningService) -> None:
    await service.stub.CreateItem(create_request("MUG-001", on_hand=10))
    restocked = await service.stub.AdjustStock(
        pb.AdjustStockRequest(sku="MUG-001", delta=5, reason="delivery")
    )
    assert restocked.item.on_hand == 15
    shrunk = await service.stub.AdjustStock(pb.AdjustStockRequest(sku="MUG-001", delta=-15, reason="flood"))
    assert (shrunk.item.on_hand, shrunk.item.available) == (0, 0)


async def test_shrinkage_below_zero_available_is_refused_and_changes_nothing(service: RunningService) -> None:
    await service.stub.CreateItem(create_request("MUG-001", on_hand=3))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.AdjustStock(pb.AdjustStockRequest(sku="MUG-001", delta=-4, reason="audit"))
    failure = failure_of(error.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "STOCK_BELOW_RESERVED")
    assert failure.metadata["available"] == "3"
    assert (await service.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item.on_hand == 3


async def test_an_adjustment_without_a_reason_is_invalid(service: RunningService) -> None:
    await service.stub.CreateItem(create_request("MUG-001"))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.AdjustStock(pb.AdjustStockRequest(sku="MUG-001", delta=1))
    assert failure_of(error.value).fields == ["reason"]
    assert (await service.stub.GetItem(pb.GetItemRequest(sku="MUG-001"))).item.on_hand == 10


async def test_adjusting_an_unknown_item_is_not_found(service: RunningService) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await service.stub.AdjustStock(pb.AdjustStockRequest(sku="NOPE-404", delta=1, reason="count"))
    assert failure_of(error.value).reason == "ITEM_NOT_FOUND"
