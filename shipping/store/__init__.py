"""Shipping persistence: schema, repositories, the unit of work and the read-only queries."""

from shipping.store.queries import SqlQueries
from shipping.store.tables import dead_letters, inbox, metadata, orders, outbox, shipment_history, shipments
from shipping.store.unit_of_work import ShippingUnitOfWork

__all__ = [
    "ShippingUnitOfWork",
    "SqlQueries",
    "dead_letters",
    "inbox",
    "metadata",
    "orders",
    "outbox",
    "shipment_history",
    "shipments",
]
