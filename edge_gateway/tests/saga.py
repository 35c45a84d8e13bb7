"""Moves the fake services through the steps of the order saga, as their event consumers would."""

from dataclasses import dataclass

import httpx

from edge_gateway.schemas.orders import Order
from edge_gateway.tests.assertions import resource
from edge_gateway.tests.fake_shipping import CANCELLED, DELIVERED, DISPATCHED
from edge_gateway.tests.order_bodies import ORDER
from edge_gateway.tests.servers import BillingServer, InventoryServer, ShippingServer
from mercado.billing.v1 import billing_pb2
from mercado.inventory.v1 import inventory_pb2
from mercado.shipping.v1 import events_pb2, shipping_pb2


@dataclass
class Saga:
    """One handle on the three fakes; every step changes what the services report, nothing else."""

    inventory: InventoryServer
    billing: BillingServer
    shipping: ShippingServer

    async def place(self, edge: httpx.AsyncClient, headers: dict[str, str]) -> str:
        """An order placed through the edge; its id."""
        return resource(await edge.post("/v1/orders", json=ORDER, headers=headers), 202, Order).order_id

    def _customer(self, order_id: str) -> str:
        return self.inventory.fake.reservations[order_id][1].customer_id

    def invoice(self, order_id: str, status: billing_pb2.InvoiceStatus.ValueType) -> billing_pb2.Invoice:
        return self.billing.fake.add_invoice(order_id, self._customer(order_id), status)

    def reservation(self, order_id: str, status: inventory_pb2.ReservationStatus.ValueType) -> None:
        self.inventory.fake.reservations[order_id][1].status = status

    def create_shipment(self, order_id: str) -> shipping_pb2.Shipment:
        return self.shipping.fake.add_shipment(order_id, self._customer(order_id))

    def shipment(self, order_id: str) -> shipping_pb2.Shipment:
        shipment = self.shipping.fake.shipment_of(order_id)
        assert shipment is not None, f"order {order_id} has no shipment"
        return shipment

    def pay(self, order_id: str) -> shipping_pb2.Shipment:
        self.invoice(order_id, billing_pb2.INVOICE_STATUS_PAID)
        return self.create_shipment(order_id)

    def dispatch(self, order_id: str) -> None:
        self.shipping.fake.move(self.shipment(order_id), DISPATCHED)
        self.reservation(order_id, inventory_pb2.RESERVATION_STATUS_COMMITTED)

    def deliver(self, order_id: str) -> None:
        self.shipping.fake.move(self.shipment(order_id), DELIVERED)

    def cancel_shipment(self, order_id: str) -> None:
        self.shipping.fake.move(self.shipment(order_id), CANCELLED)

    def fail_payment(self, order_id: str) -> None:
        self.invoice(order_id, billing_pb2.INVOICE_STATUS_FAILED)
        self.reservation(order_id, inventory_pb2.RESERVATION_STATUS_RELEASED)

    def settle_cancellation(self, order_id: str) -> None:
        """What billing and inventory do on OrderCancelled: refund a paid invoice, release the stock."""
        invoice = self.billing.fake.invoice_of(order_id)
        if invoice is not None and invoice.status == billing_pb2.INVOICE_STATUS_PAID:
            self.invoice(order_id, billing_pb2.INVOICE_STATUS_REFUNDED)
        self.reservation(order_id, inventory_pb2.RESERVATION_STATUS_RELEASED)

    def cancellation_reason(self, order_id: str) -> str:
        reply = self.shipping.fake.cancellations[order_id]
        return events_pb2.CancellationReason.Name(reply.reason)
