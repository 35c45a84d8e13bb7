"""Inventory persistence: schema, repositories, the unit of work and the read-only queries."""

from inventory.store.items import StockInconsistency
from inventory.store.queries import SqlQueries
from inventory.store.tables import dead_letters, metadata, outbox
from inventory.store.unit_of_work import InventoryUnitOfWork

__all__ = ["InventoryUnitOfWork", "SqlQueries", "StockInconsistency", "dead_letters", "metadata", "outbox"]
