"""The inventory's database schema (SQLAlchemy Core), including the chassis outbox, inbox and dead letters."""

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
    text,
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

# A reservation row with this status is a tombstone: the order was cancelled before it reserved.
CANCELLED_BEFORE_RESERVING = "CANCELLED"
# The rows the expiry sweep looks at: reserved, and no PaymentCaptured recorded.
AWAITING_PAYMENT = text("status = 'RESERVED' AND paid_at IS NULL")


items = Table(
    "items",
    metadata,
    Column("sku", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("weight_grams", Integer, nullable=False),
    Column("on_hand", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("low_stock_threshold", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The database itself refuses oversell, whatever a bug in the code above it might try.
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("on_hand >= reserved", name="available_not_negative"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", serial(), primary_key=True, autoincrement=True),
    Column("sku", String(32), ForeignKey("items.sku"), nullable=False, index=True),
    Column("delta", BigInteger, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

reservations = Table(
    "reservations",
    metadata,
    # `seq` orders reservations newest first and is the key of the listing's page tokens.
    Column("seq", serial(), primary_key=True, autoincrement=True),
    # Unique: the arbiter of ReserveStock's idempotency under concurrency, and of tombstones.
    Column("order_id", String(36), nullable=False, unique=True),
    Column("customer_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ship_name", String(100), nullable=False),
    Column("ship_line1", String(200), nullable=False),
    Column("ship_line2", String(200), nullable=False),
    Column("ship_city", String(100), nullable=False),
    Column("ship_postal_code", String(16), nullable=False),
    Column("ship_country", String(2), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expire_at", UtcDateTime, nullable=False),
    # When billing's PaymentCaptured arrived: a paid reservation waits for dispatch, however long.
    Column("paid_at", UtcDateTime, nullable=True),
    # When the expiry sweep last asked shipping to cancel the order; it asks again only much later.
    Column("expiry_requested_at", UtcDateTime, nullable=True),
)
Index(None, reservations.c.customer_id, reservations.c.seq)
# Partial, so the sweep's index holds only the reservations still waiting for a payment outcome.
Index(
    "ix_reservations_awaiting_payment",
    reservations.c.expire_at,
    sqlite_where=AWAITING_PAYMENT,
    postgresql_where=AWAITING_PAYMENT,
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("reservations.order_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(32), ForeignKey("items.sku"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("unit_weight_grams", Integer, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
