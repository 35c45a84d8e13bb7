"""Initial inventory schema: items, stock movements, reservations, and the outbox, inbox and dead letters.

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
    _create_items()
    _create_reservations()
    create_chassis_tables(op)


def _create_items() -> None:
    op.create_table(
        "items",
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("weight_grams", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("low_stock_threshold", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("on_hand >= reserved", name=op.f("ck_items_available_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_items_reserved_not_negative")),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_items")),
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", SERIAL, autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_stock_movements_sku_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(op.f("ix_stock_movements_sku"), "stock_movements", ["sku"])


def _create_reservations() -> None:
    op.create_table(
        "reservations",
        sa.Column("seq", SERIAL, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("ship_name", sa.String(100), nullable=False),
        sa.Column("ship_line1", sa.String(200), nullable=False),
        sa.Column("ship_line2", sa.String(200), nullable=False),
        sa.Column("ship_city", sa.String(100), nullable=False),
        sa.Column("ship_postal_code", sa.String(16), nullable=False),
        sa.Column("ship_country", sa.String(2), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("expire_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_reservations")),
        sa.UniqueConstraint("order_id", name=op.f("uq_reservations_order_id")),
    )
    op.create_index(op.f("ix_reservations_customer_id_seq"), "reservations", ["customer_id", "seq"])
    op.create_table(
        "reservation_lines",
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("unit_weight_grams", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["reservations.order_id"], name=op.f("fk_reservation_lines_order_id_reservations")
        ),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_reservation_lines_sku_items")),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_reservation_lines")),
    )


def downgrade() -> None:
    drop_chassis_tables(op)
    for table in ("reservation_lines", "reservations", "stock_movements"):
        op.drop_table(table)
    op.drop_table("items")
