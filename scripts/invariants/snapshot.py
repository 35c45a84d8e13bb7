"""Read everything the invariants need from the three services' gRPC APIs, paging through every list."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import grpc
import grpc.aio

from mercado.billing.v1 import billing_pb2, billing_pb2_grpc
from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

PAGE_SIZE = 100
# Enough parallel lookups to be quick on thousands of orders without queueing a service's writers.
MAX_CONCURRENT_LOOKUPS = 16

_Entry = TypeVar("_Entry")
_Found = TypeVar("_Found")


@dataclass(frozen=True)
class ServiceAddresses:
    """host:port of each service's gRPC API."""

    inventory: str
    billing: str
    shipping: str


@dataclass(frozen=True)
class Snapshot:
    """What the services reported, read one service after the other (not one atomic moment)."""

    items: Sequence[inventory_pb2.Item]
    reservations: Sequence[inventory_pb2.Reservation]
    invoices: Sequence[billing_pb2.Invoice]
    shipments: Sequence[shipping_pb2.Shipment]
    # Per order id, what the by-order lookups answered (None: NOT_FOUND).
    invoice_by_order: Mapping[str, billing_pb2.Invoice | None]
    shipment_by_order: Mapping[str, shipping_pb2.Shipment | None]
    # Per customer id, the account (None: the customer has none).
    accounts: Mapping[str, billing_pb2.Account | None]


class _Paged(Protocol):
    @property
    def next_page_token(self) -> str: ...


_Page = TypeVar("_Page", bound=_Paged)


async def _all_pages(
    fetch: Callable[[str], Awaitable[_Page]], entries: Callable[[_Page], Sequence[_Entry]]
) -> list[_Entry]:
    found: list[_Entry] = []
    token = ""
    while True:
        page = await fetch(token)
        found.extend(entries(page))
        token = page.next_page_token
        if not token:
            return found


async def _or_none(call: Awaitable[_Found]) -> _Found | None:
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise


async def _lookup_each(
    keys: Collection[str], lookup: Callable[[str], Awaitable[_Found | None]]
) -> dict[str, _Found | None]:
    gate = asyncio.Semaphore(MAX_CONCURRENT_LOOKUPS)

    async def one(key: str) -> _Found | None:
        async with gate:
            return await lookup(key)

    ordered = sorted(keys)
    results = await asyncio.gather(*(one(key) for key in ordered))
    return dict(zip(ordered, results, strict=True))


class _Reader:
    """Stubs over open channels, every call bounded by the same timeout."""

    def __init__(self, channels: Mapping[str, grpc.aio.Channel], timeout: float) -> None:
        self.inventory = inventory_pb2_grpc.InventoryServiceStub(channels["inventory"])
        self.billing = billing_pb2_grpc.BillingServiceStub(channels["billing"])
        self.shipping = shipping_pb2_grpc.ShippingServiceStub(channels["shipping"])
        self.timeout = timeout

    async def items(self) -> list[inventory_pb2.Item]:
        async def fetch(token: str) -> inventory_pb2.ListItemsResponse:
            request = inventory_pb2.ListItemsRequest(page_size=PAGE_SIZE, page_token=token)
            return await self.inventory.ListItems(request, timeout=self.timeout)

        return await _all_pages(fetch, lambda page: page.items)

    async def reservations(self) -> list[inventory_pb2.Reservation]:
        async def fetch(token: str) -> inventory_pb2.ListReservationsResponse:
            request = inventory_pb2.ListReservationsRequest(page_size=PAGE_SIZE, page_token=token)
            return await self.inventory.ListReservations(request, timeout=self.timeout)

        return await _all_pages(fetch, lambda page: page.reservations)

    async def invoices(self) -> list[billing_pb2.Invoice]:
        async def fetch(token: str) -> billing_pb2.ListInvoicesResponse:
            request = billing_pb2.ListInvoicesRequest(page_size=PAGE_SIZE, page_token=token)
            return await self.billing.ListInvoices(request, timeout=self.timeout)

        return await _all_pages(fetch, lambda page: page.invoices)

    async def shipments(self) -> list[shipping_pb2.Shipment]:
        async def fetch(token: str) -> shipping_pb2.ListShipmentsResponse:
            request = shipping_pb2.ListShipmentsRequest(page_size=PAGE_SIZE, page_token=token)
            return await self.shipping.ListShipments(request, timeout=self.timeout)

        return await _all_pages(fetch, lambda page: page.shipments)

    async def invoice_of(self, order_id: str) -> billing_pb2.Invoice | None:
        request = billing_pb2.GetInvoiceByOrderRequest(order_id=order_id)
        reply = await _or_none(self.billing.GetInvoiceByOrder(request, timeout=self.timeout))
        return None if reply is None else reply.invoice

    async def shipment_of(self, order_id: str) -> shipping_pb2.Shipment | None:
        request = shipping_pb2.GetShipmentByOrderRequest(order_id=order_id)
        reply = await _or_none(self.shipping.GetShipmentByOrder(request, timeout=self.timeout))
        return None if reply is None else reply.shipment

    async def account_of(self, customer_id: str) -> billing_pb2.Account | None:
        request = billing_pb2.GetAccountRequest(customer_id=customer_id)
        reply = await _or_none(self.billing.GetAccount(request, timeout=self.timeout))
        return None if reply is None else reply.account


@contextlib.asynccontextmanager
async def _open(addresses: ServiceAddresses) -> AsyncIterator[dict[str, grpc.aio.Channel]]:
    channels = {
        "inventory": grpc.aio.insecure_channel(addresses.inventory),
        "billing": grpc.aio.insecure_channel(addresses.billing),
        "shipping": grpc.aio.insecure_channel(addresses.shipping),
    }
    try:
        yield channels
    finally:
        await asyncio.gather(*(channel.close() for channel in channels.values()))


async def read_snapshot(
    addresses: ServiceAddresses,
    *,
    customers: Collection[str] = (),
    timeout: float = 5.0,  # noqa: ASYNC109 - the deadline of each gRPC call, passed on as such
) -> Snapshot:
    """Lists first, then the by-order and by-customer lookups for every order and customer they name.

    `customers` adds accounts to read beyond the customers of the orders (e.g. everyone topped up).
    """
    async with _open(addresses) as channels:
        reader = _Reader(channels, timeout)
        items, reservations, invoices, shipments = await asyncio.gather(
            reader.items(), reader.reservations(), reader.invoices(), reader.shipments()
        )
        order_ids = {r.order_id for r in reservations} | {i.order_id for i in invoices}
        order_ids |= {s.order_id for s in shipments}
        everyone = {r.customer_id for r in reservations} | {i.customer_id for i in invoices} | set(customers)
        invoice_by_order, shipment_by_order, accounts = await asyncio.gather(
            _lookup_each(order_ids, reader.invoice_of),
            _lookup_each(order_ids, reader.shipment_of),
            _lookup_each(everyone, reader.account_of),
        )
        return Snapshot(
            items=items,
            reservations=reservations,
            invoices=invoices,
            shipments=shipments,
            invoice_by_order=invoice_by_order,
            shipment_by_order=shipment_by_order,
            accounts=accounts,
        )
