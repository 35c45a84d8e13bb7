"""Billing persistence: schema, repositories, the unit of work and the read-only queries."""

from billing.store.queries import SqlQueries
from billing.store.tables import dead_letters, metadata, outbox
from billing.store.unit_of_work import BillingUnitOfWork

__all__ = ["BillingUnitOfWork", "SqlQueries", "dead_letters", "metadata", "outbox"]
