"""The observing side of `make bench-orders`: read the services' state in bulk over gRPC and wait for it.

Nothing here runs while orders are being placed: billing and shipping stamp each invoice's pay time and
each shipment's creation time themselves, so listing them after the load yields exact completion times
without adding a single request to the measured window. Same machine, so their clock is the client's.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from mercado.billing.v1 import billing_pb2, billing_pb2_grpc
from mercado.shipping.v1 import shipping_pb2, shipping_pb2_grpc

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
CALL_TIMEOUT_SECONDS = 10.0
POLL_INTERVAL_SECONDS = 0.2
# How many of the last accepted orders are watched one by one before the full listings are read.
GATE_ORDERS = 20
# An invoice in one of these has left PENDING_PAYMENT for good (the edge's order status rules).
SETTLED_INVOICE = frozenset(
    {
        billing_pb2.INVOICE_STATUS_PAID,
        billing_pb2.INVOICE_STATUS_FAILED,
        billing_pb2.INVOICE_STATUS_REFUNDED,
    }
)

T = TypeVar("T")


def seconds(stamp: Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


def _pages(fetch: Callable[[str], tuple[Sequence[T], str]]) -> list[T]:
    """Every entry of a paged listing, following next_page_token to the end."""
    entries: list[T] = []
    token = ""
    while True:
        page, token = fetch(token)
        entries.extend(page)
        if not token:
            return entries


@dataclass(frozen=True)
class Snapshot:
    """What the services hold once the load has stopped, read page by page."""

    invoices: Sequence[billing_pb2.Invoice]
    shipments: Sequence[shipping_pb2.Shipment]

    def invoices_by_order(self) -> dict[str, list[billing_pb2.Invoice]]:
        return _group(self.invoices, lambda invoice: invoice.order_id)

    def shipments_by_order(self) -> dict[str, list[shipping_pb2.Shipment]]:
        return _group(self.shipments, lambda shipment: shipment.order_id)


def _group(entries: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for entry in entries:
        grouped[key(entry)].append(entry)
    return grouped


class Reader:
    """Blocking stubs of billing and shipping on channels this object owns."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        self._channels = [grpc.insecure_channel(addresses[name]) for name in ("billing", "shipping")]
        self.billing = billing_pb2_grpc.BillingServiceStub(self._channels[0])
        self.shipping = shipping_pb2_grpc.ShippingServiceStub(self._channels[1])

    def close(self) -> None:
        for channel in self._channels:
            channel.close()

    def invoices(self) -> list[billing_pb2.Invoice]:
        def fetch(token: str) -> tuple[Sequence[billing_pb2.Invoice], str]:
            request = billing_pb2.ListInvoicesRequest(page_size=PAGE_SIZE, page_token=token)
            reply = self.billing.ListInvoices(request, timeout=CALL_TIMEOUT_SECONDS)
            return reply.invoices, reply.next_page_token

        return _pages(fetch)

    def shipments(self) -> list[shipping_pb2.Shipment]:
        def fetch(token: str) -> tuple[Sequence[shipping_pb2.Shipment], str]:
            request = shipping_pb2.ListShipmentsRequest(page_size=PAGE_SIZE, page_token=token)
            reply = self.shipping.ListShipments(request, timeout=CALL_TIMEOUT_SECONDS)
            return reply.shipments, reply.next_page_token

        return _pages(fetch)

    def invoice_settled(self, order_id: str) -> bool:
        request = billing_pb2.GetInvoiceByOrderRequest(order_id=order_id)
        try:
            reply = self.billing.GetInvoiceByOrder(request, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return False
            raise
        return reply.invoice.status in SETTLED_INVOICE


def _complete(order_ids: Iterable[str], snapshot: Snapshot) -> bool:
    """Every order has a final invoice, and every paid one its shipment."""
    invoices, shipments = snapshot.invoices_by_order(), snapshot.shipments_by_order()
    for order_id in order_ids:
        found = invoices.get(order_id)
        if not found or found[0].status not in SETTLED_INVOICE:
            return False
        if found[0].status == billing_pb2.INVOICE_STATUS_PAID and order_id not in shipments:
            return False
    return True


@dataclass(frozen=True)
class Settlement:
    snapshot: Snapshot
    # Seconds from the end of the load until the last orders were paid (the backlog was worked off).
    drain_seconds: float
    # Every order settled (and every paid one has its shipment) before the timeout.
    complete: bool


def _await_last_orders(reader: Reader, order_ids: Sequence[str], deadline: float) -> None:
    """Wait, cheaply, until the last accepted orders are settled.

    Billing works its backlog off roughly in order, so this gate passes when nearly everything has
    settled; the full listings that prove it are expensive, so they are read only after it passes.
    """
    waiting = list(order_ids[-GATE_ORDERS:])
    while waiting and time.monotonic() < deadline:
        waiting = [order_id for order_id in waiting if not reader.invoice_settled(order_id)]
        if waiting:
            time.sleep(POLL_INTERVAL_SECONDS)


def wait_until_settled(
    reader: Reader,
    order_ids: Sequence[str],
    timeout: float,
    on_caught_up: Callable[[], object] | None = None,
) -> Settlement:
    """Wait until every order settled (and every paid one has its shipment) or `timeout` passed."""
    started = time.monotonic()
    deadline = started + timeout
    _await_last_orders(reader, order_ids, deadline)
    drained = time.monotonic() - started
    if on_caught_up is not None:
        on_caught_up()
    while True:
        snapshot = Snapshot(invoices=reader.invoices(), shipments=reader.shipments())
        complete = _complete(order_ids, snapshot)
        if complete or time.monotonic() > deadline:
            break
        logger.info("waiting for orders to settle (%.0f s)", time.monotonic() - started)
        time.sleep(POLL_INTERVAL_SECONDS)
    return Settlement(snapshot=snapshot, drain_seconds=drained, complete=complete)
