"""Billing's database schema (SQLAlchemy Core), including the chassis outbox, inbox and dead letters."""

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
    UniqueConstraint,
)

from chassis.inbox import dead_letter_table, inbox_table
from chassis.outbox import outbox_table
from chassis.sql_types import UtcDateTime, serial

# Explicit constraint names keep the SQLite and PostgreSQL schemas, and their migrations, identical.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


accounts = Table(
    "accounts",
    metadata,
    Column("customer_id", String(128), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The last line of defence: no bug above can spend money the customer does not have.
    CheckConstraint("balance_minor >= 0", name="balance_not_negative"),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", serial(), primary_key=True, autoincrement=True),
    Column("entry_id", String(36), nullable=False, unique=True),
    Column("customer_id", String(128), ForeignKey("accounts.customer_id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("balance_after_minor", BigInteger, nullable=False),
    # Top-up: the caller's idempotency key; charge and refund: the order id.
    Column("reference", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # One top-up per key, one charge and one refund per order: concurrent duplicates book once.
    UniqueConstraint("customer_id", "kind", "reference"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    CheckConstraint("kind IN ('TOP_UP', 'CHARGE', 'REFUND')", name="known_kind"),
)

orders = Table(
    "orders",
    metadata,
    # Unique order id: decides the race between an order's invoice and its cancellation.
    Column("order_id", String(36), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("cancelled_at", UtcDateTime, nullable=True),
)

invoices = Table(
    "invoices",
    metadata,
    # `seq` orders invoices newest first and is the key of the listing's page tokens.
    Column("seq", serial(), primary_key=True, autoincrement=True),
    Column("invoice_id", String(36), nullable=False, unique=True),
    Column("order_id", String(36), ForeignKey("orders.order_id"), nullable=False, unique=True),
    Column("customer_id", String(128), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("shipping_fee_minor", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("failure_reason", String(32), nullable=True),
    Column("failure_detail", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("failed_at", UtcDateTime, nullable=True),
    Column("refunded_at", UtcDateTime, nullable=True),
)
Index(None, invoices.c.customer_id, invoices.c.seq)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("invoice_id", String(36), ForeignKey("invoices.invoice_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(32), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
dead_letters = dead_letter_table(metadata)
