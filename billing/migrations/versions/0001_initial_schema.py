"""Initial billing schema: accounts, ledger, orders, invoices, and the outbox, inbox and dead letters.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chassis.migrations import create_chassis_tables, drop_chassis_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations are frozen history: they spell out every column instead of importing today's tables
# (the chassis' outbox, inbox and dead-letter tables come from chassis.migrations).
SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_accounts()
    _create_invoices()
    _create_invoice_lines()
    create_chassis_tables(op)


def _create_accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("balance_minor >= 0", name=op.f("ck_accounts_balance_not_negative")),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("seq", SERIAL, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "kind IN ('TOP_UP', 'CHARGE', 'REFUND')", name=op.f("ck_ledger_entries_known_kind")
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_ledger_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["accounts.customer_id"], name=op.f("fk_ledger_entries_customer_id_accounts")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "customer_id", "kind", "reference", name=op.f("uq_ledger_entries_customer_id_kind_reference")
        ),
        sa.UniqueConstraint("entry_id", name=op.f("uq_ledger_entries_entry_id")),
    )


def _create_invoices() -> None:
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("cancelled_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )
    op.create_table(
        "invoices",
        sa.Column("seq", SERIAL, autoincrement=True, nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("shipping_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.String(32), nullable=True),
        sa.Column("failure_detail", sa.String(500), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("paid_at", TIMESTAMP, nullable=True),
        sa.Column("failed_at", TIMESTAMP, nullable=True),
        sa.Column("refunded_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_invoices_order_id_orders")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_invoices_invoice_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_invoices_order_id")),
    )
    op.create_index(op.f("ix_invoices_customer_id_seq"), "invoices", ["customer_id", "seq"])


def _create_invoice_lines() -> None:
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.invoice_id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", "line_no", name=op.f("pk_invoice_lines")),
    )


def downgrade() -> None:
    drop_chassis_tables(op)
    for table in ("invoice_lines", "invoices", "orders", "ledger_entries"):
        op.drop_table(table)
    op.drop_table("accounts")
