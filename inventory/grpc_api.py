"""InventoryService over gRPC: proto request -> use case -> proto response, and the error -> status table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import grpc.aio

from chassis.errors import ErrorMapping, ErrorTable
from chassis.logs import bind_log_context
from chassis.page_tokens import InvalidPageToken, decode_page_token, encode_page_token
from chassis.transaction_batch import GroupCommit
from inventory import use_cases
from inventory.domain import (
    InsufficientStock,
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    LineRequest,
    MixedCurrency,
    OrderAlreadyCancelled,
    OrderIdReused,
    OrderRequest,
    Reservation,
    ReservationNotFound,
    StockBelowReserved,
    UnknownSku,
)
from inventory.messages import address_from_proto, item_to_proto, money_from_proto, reservation_to_proto
from inventory.use_cases import Limits, NewItem, Queries, StockAdjustment, UnitOfWork
from mercado.inventory.v1 import inventory_pb2 as pb
from mercado.inventory.v1 import inventory_pb2_grpc

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["InventoryService"].full_name

_code = grpc.StatusCode
ERROR_TABLE: ErrorTable = {
    InvalidRequest: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    InvalidPageToken: ErrorMapping(_code.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    UnknownSku: ErrorMapping(_code.INVALID_ARGUMENT, "UNKNOWN_SKU"),
    ItemNotFound: ErrorMapping(_code.NOT_FOUND, "ITEM_NOT_FOUND"),
    ReservationNotFound: ErrorMapping(_code.NOT_FOUND, "RESERVATION_NOT_FOUND"),
    ItemAlreadyExists: ErrorMapping(_code.ALREADY_EXISTS, "ITEM_ALREADY_EXISTS"),
    OrderIdReused: ErrorMapping(_code.ALREADY_EXISTS, "ORDER_ID_REUSED"),
    InsufficientStock: ErrorMapping(_code.FAILED_PRECONDITION, "INSUFFICIENT_STOCK"),
    StockBelowReserved: ErrorMapping(_code.FAILED_PRECONDITION, "STOCK_BELOW_RESERVED"),
    MixedCurrency: ErrorMapping(_code.FAILED_PRECONDITION, "MIXED_CURRENCY"),
    OrderAlreadyCancelled: ErrorMapping(_code.FAILED_PRECONDITION, "ORDER_CANCELLED"),
}

Context = grpc.aio.ServicerContext[Any, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    """Translates only: every rule lives in the use cases, every status code in ERROR_TABLE."""

    def __init__(
        self,
        *,
        unit_of_work: Callable[[], UnitOfWork],
        queries: Queries,
        limits: Limits,
        reservation_ttl: timedelta,
        clock: Callable[[], datetime] = utc_now,
        group_commit: GroupCommit | None = None,
    ) -> None:
        self._uow = unit_of_work
        self._group_commit = group_commit
        self._queries = queries
        self._limits = limits
        self._ttl = reservation_ttl
        self._clock = clock

    async def CreateItem(self, request: pb.CreateItemRequest, context: Context) -> pb.CreateItemResponse:
        new = NewItem(
            sku=request.sku,
            name=request.name,
            unit_price=money_from_proto(request.unit_price),
            weight_grams=request.weight_grams,
            initial_on_hand=request.initial_on_hand,
            low_stock_threshold=request.low_stock_threshold,
        )
        item = await use_cases.create_item(self._uow(), new, now=self._clock())
        return pb.CreateItemResponse(item=item_to_proto(item))

    async def GetItem(self, request: pb.GetItemRequest, context: Context) -> pb.GetItemResponse:
        item = await use_cases.get_item(self._queries, request.sku)
        return pb.GetItemResponse(item=item_to_proto(item))

    async def ListItems(self, request: pb.ListItemsRequest, context: Context) -> pb.ListItemsResponse:
        after = decode_page_token(request.page_token, "items", "", str)
        page = await use_cases.list_items(
            self._queries, size=request.page_size, after=after, limits=self._limits
        )
        return pb.ListItemsResponse(
            items=[item_to_proto(item) for item in page.entries],
            next_page_token=encode_page_token("items", "", page.next_key),
        )

    async def AdjustStock(self, request: pb.AdjustStockRequest, context: Context) -> pb.AdjustStockResponse:
        adjustment = StockAdjustment(request.sku, request.delta, request.reason)
        item = await use_cases.adjust_stock(self._uow(), adjustment, now=self._clock())
        return pb.AdjustStockResponse(item=item_to_proto(item))

    async def ReserveStock(
        self, request: pb.ReserveStockRequest, context: Context
    ) -> pb.ReserveStockResponse:
        order = OrderRequest(
            order_id=request.order_id,
            customer_id=request.customer_id,
            lines=tuple(LineRequest(line.sku, line.quantity) for line in request.lines),
            shipping_address=address_from_proto(request.shipping_address),
        )
        now = self._clock()

        async def reserve() -> Reservation:
            return await use_cases.reserve_stock(
                self._uow(), order, limits=self._limits, ttl=self._ttl, now=now
            )

        with bind_log_context(order_id=request.order_id):
            # Concurrent reservations share one commit where the database allows it (SQLite).
            if self._group_commit is None:
                reservation = await reserve()
            else:
                reservation = await self._group_commit.run(reserve)
        return pb.ReserveStockResponse(reservation=reservation_to_proto(reservation))

    async def GetReservation(
        self, request: pb.GetReservationRequest, context: Context
    ) -> pb.GetReservationResponse:
        reservation = await use_cases.get_reservation(self._queries, request.order_id)
        return pb.GetReservationResponse(reservation=reservation_to_proto(reservation))

    async def ListReservations(
        self, request: pb.ListReservationsRequest, context: Context
    ) -> pb.ListReservationsResponse:
        before = decode_page_token(request.page_token, "reservations", request.customer_id, int)
        page = await use_cases.list_reservations(
            self._queries,
            customer_id=request.customer_id or None,
            size=request.page_size,
            before=before,
            limits=self._limits,
        )
        return pb.ListReservationsResponse(
            reservations=[reservation_to_proto(r) for r in page.entries],
            next_page_token=encode_page_token("reservations", request.customer_id, page.next_key),
        )
