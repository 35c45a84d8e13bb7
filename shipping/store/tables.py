"""Shipping's database schema (SQLAlchemy Core), including the chassis outbox, inbox and dead letters."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from chassis.inbox import dead_letter_table, inbox_table
from chassis.outbox import outbox_table
from chassis.sql_types import UtcDateTime, serial

# Explicit constraint names keep SQLite and PostgreSQL schemas, and their migrations, identical.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


# One row per order shipping has heard of (paid or cancelled). Creating a shipment and cancelling
# both lock this row first, so the two never interleave for one order; a set `cancel_reason` is the
# order's one cancellation record.
orders = Table(
    "orders",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("cancel_reason", String(32), nullable=True),
    Column("cancel_time", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("(cancel_reason IS NULL) = (cancel_time IS NULL)", name="cancellation_complete"),
)

STATUSES = ("PENDING", "DISPATCHED", "DELIVERED", "CANCELLED")

shipments = Table(
    "shipments",
    metadata,
    # `seq` orders shipments oldest first and is the key of the listing's page tokens.
    Column("seq", serial(), primary_key=True, autoincrement=True),
    Column("shipment_id", String(36), nullable=False, unique=True),
    # Unique: an order has at most one shipment, whatever is redelivered.
    Column("order_id", String(36), ForeignKey("orders.order_id"), nullable=False, unique=True),
    Column("customer_id", String(128), nullable=False),
    Column("ship_name", String(100), nullable=False),
    Column("ship_line1", String(200), nullable=False),
    Column("ship_line2", String(200), nullable=False),
    Column("ship_city", String(100), nullable=False),
    Column("ship_postal_code", String(16), nullable=False),
    Column("ship_country", String(2), nullable=False),
    Column("total_weight_grams", BigInteger, nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("tracking_number", String(32), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("cancel_reason", String(32), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"status IN {STATUSES!r}", name="known_status"),
)
Index(None, shipments.c.customer_id, shipments.c.seq)
Index(None, shipments.c.status, shipments.c.seq)

shipment_history = Table(
    "shipment_history",
    metadata,
    Column("shipment_id", String(36), ForeignKey("shipments.shipment_id"), primary_key=True),
    # 0 for PENDING, then one more per transition: a second writer of the same step would collide here.
    Column("step", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
