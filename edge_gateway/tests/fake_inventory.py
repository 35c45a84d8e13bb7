"""An in-memory InventoryService that behaves and fails like the real one, rich status details included."""

import asyncio
from collections.abc import Sequence
from typing import NoReturn

from google.rpc import code_pb2

from edge_gateway.tests import rich_status
from edge_gateway.tests.rich_status import Context, record_call
from edge_gateway.tests.rich_status import now as _now
from mercado.common.v1 import money_pb2
from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc


async def abort(
    context: Context, code: int, reason: str, message: str, violations: Sequence[tuple[str, str]] = ()
) -> NoReturn:
    await rich_status.abort(context, code, reason, message, violations, domain="mercado.inventory")


def _eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=amount)


class FakeInventory(inventory_pb2_grpc.InventoryServiceServicer):
    """Items and reservations in dicts; records what each call carried for the tests to inspect."""

    def __init__(self) -> None:
        self.items: dict[str, inventory_pb2.Item] = {}
        self.reservations: dict[str, tuple[inventory_pb2.ReserveStockRequest, inventory_pb2.Reservation]] = {}
        self.hanging_skus: set[str] = set()
        self.reservations_held: asyncio.Event | None = None  # GetReservation answers once it is set
        self.crash_message: str | None = None
        self.calls: list[tuple[str, dict[str, str], float | None]] = []
        self.last_list_page_size = 0

    def add_item(self, sku: str, *, price: int = 1999, on_hand: int = 10, weight: int = 300) -> None:
        self.items[sku] = inventory_pb2.Item(
            sku=sku,
            name=f"Item {sku}",
            unit_price=_eur(price),
            weight_grams=weight,
            on_hand=on_hand,
            available=on_hand,
            create_time=_now(),
            update_time=_now(),
        )

    def _record(self, method: str, context: Context) -> None:
        record_call(self.calls, method, context)

    def methods_called(self) -> list[str]:
        return [method for method, _, _ in self.calls]

    async def GetItem(  # noqa: N802
        self, request: inventory_pb2.GetItemRequest, context: Context
    ) -> inventory_pb2.GetItemResponse:
        self._record("GetItem", context)
        if self.crash_message is not None:
            raise RuntimeError(self.crash_message)  # what an unmapped bug in the service looks like
        if request.sku in self.hanging_skus:
            await asyncio.Event().wait()  # never set: the caller's deadline must end this call
        if request.sku not in self.items:
            await abort(context, code_pb2.NOT_FOUND, "ITEM_NOT_FOUND", f"item {request.sku} not found")
        return inventory_pb2.GetItemResponse(item=self.items[request.sku])

    async def ListItems(  # noqa: N802
        self, request: inventory_pb2.ListItemsRequest, context: Context
    ) -> inventory_pb2.ListItemsResponse:
        self._record("ListItems", context)
        self.last_list_page_size = request.page_size
        skus = sorted(self.items)
        if request.page_token and request.page_token not in skus:
            violations = [("page_token", "not a token this service issued")]
            await abort(context, code_pb2.INVALID_ARGUMENT, "INVALID_ARGUMENT", "bad page token", violations)
        start = skus.index(request.page_token) + 1 if request.page_token else 0
        page = skus[start : start + (request.page_size or 20)]
        more = start + len(page) < len(skus)
        return inventory_pb2.ListItemsResponse(
            items=[self.items[sku] for sku in page], next_page_token=page[-1] if more else ""
        )

    async def CreateItem(  # noqa: N802
        self, request: inventory_pb2.CreateItemRequest, context: Context
    ) -> inventory_pb2.CreateItemResponse:
        self._record("CreateItem", context)
        if request.sku in self.items:
            await abort(context, code_pb2.ALREADY_EXISTS, "ITEM_ALREADY_EXISTS", f"{request.sku} exists")
        item = inventory_pb2.Item(
            sku=request.sku,
            name=request.name,
            unit_price=request.unit_price,
            weight_grams=request.weight_grams,
            on_hand=request.initial_on_hand,
            available=request.initial_on_hand,
            low_stock_threshold=request.low_stock_threshold,
            create_time=_now(),
            update_time=_now(),
        )
        self.items[item.sku] = item
        return inventory_pb2.CreateItemResponse(item=item)

    async def AdjustStock(  # noqa: N802
        self, request: inventory_pb2.AdjustStockRequest, context: Context
    ) -> inventory_pb2.AdjustStockResponse:
        self._record("AdjustStock", context)
        item = self.items.get(request.sku)
        if item is None:
            await abort(context, code_pb2.NOT_FOUND, "ITEM_NOT_FOUND", f"item {request.sku} not found")
        if item.on_hand + request.delta < item.reserved:
            message = f"{request.sku}: on_hand may not drop below the {item.reserved} reserved units"
            await abort(context, code_pb2.FAILED_PRECONDITION, "STOCK_BELOW_RESERVED", message)
        item.on_hand += request.delta
        item.available = item.on_hand - item.reserved
        return inventory_pb2.AdjustStockResponse(item=item)

    async def ReserveStock(  # noqa: N802
        self, request: inventory_pb2.ReserveStockRequest, context: Context
    ) -> inventory_pb2.ReserveStockResponse:
        self._record("ReserveStock", context)
        if request.order_id in self.reservations:
            known, reservation = self.reservations[request.order_id]
            if known != request:
                message = f"order {request.order_id} was reserved with a different request"
                await abort(context, code_pb2.ALREADY_EXISTS, "ORDER_ID_REUSED", message)
            return inventory_pb2.ReserveStockResponse(reservation=reservation)
        for line in request.lines:
            item = self.items.get(line.sku)
            if item is None:
                await abort(context, code_pb2.NOT_FOUND, "ITEM_NOT_FOUND", f"item {line.sku} not found")
            if item.available < line.quantity:
                message = f"{line.sku}: {line.quantity} requested, {item.available} available"
                await abort(context, code_pb2.FAILED_PRECONDITION, "INSUFFICIENT_STOCK", message)
        reservation = self._reserve(request)
        self.reservations[request.order_id] = (request, reservation)
        return inventory_pb2.ReserveStockResponse(reservation=reservation)

    def _reserve(self, request: inventory_pb2.ReserveStockRequest) -> inventory_pb2.Reservation:
        lines, subtotal, weight = [], 0, 0
        for line in request.lines:
            item = self.items[line.sku]
            item.reserved += line.quantity
            item.available -= line.quantity
            total = item.unit_price.amount_minor * line.quantity
            subtotal += total
            weight += item.weight_grams * line.quantity
            lines.append(
                inventory_pb2.ReservationLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=item.unit_price,
                    unit_weight_grams=item.weight_grams,
                    line_total=_eur(total),
                )
            )
        return inventory_pb2.Reservation(
            order_id=request.order_id,
            customer_id=request.customer_id,
            lines=lines,
            shipping_address=request.shipping_address,
            status=inventory_pb2.RESERVATION_STATUS_RESERVED,
            subtotal=_eur(subtotal),
            total_weight_grams=weight,
            create_time=_now(),
            update_time=_now(),
        )

    async def GetReservation(  # noqa: N802
        self, request: inventory_pb2.GetReservationRequest, context: Context
    ) -> inventory_pb2.GetReservationResponse:
        self._record("GetReservation", context)
        if self.reservations_held is not None:
            await self.reservations_held.wait()
        if request.order_id not in self.reservations:
            message = f"no reservation for order {request.order_id}"
            await abort(context, code_pb2.NOT_FOUND, "RESERVATION_NOT_FOUND", message)
        return inventory_pb2.GetReservationResponse(reservation=self.reservations[request.order_id][1])

    async def ListReservations(  # noqa: N802
        self, request: inventory_pb2.ListReservationsRequest, context: Context
    ) -> inventory_pb2.ListReservationsResponse:
        self._record("ListReservations", context)
        newest_first = [r for _, r in reversed(self.reservations.values())]
        if request.customer_id:
            newest_first = [r for r in newest_first if r.customer_id == request.customer_id]
        start = int(request.page_token or 0)
        size = request.page_size or 20
        page = newest_first[start : start + size]
        more = start + size < len(newest_first)
        return inventory_pb2.ListReservationsResponse(
            reservations=page, next_page_token=str(start + size) if more else ""
        )
