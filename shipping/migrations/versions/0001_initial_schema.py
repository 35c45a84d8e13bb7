"""Initial shipping schema: orders, shipments and their history, and the outbox, inbox and dead letters.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
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
KNOWN_STATUS = "status IN ('PENDING', 'DISPATCHED', 'DELIVERED', 'CANCELLED')"


def upgrade() -> None:
    _create_orders()
    _create_shipments()
    create_chassis_tables(op)


def _create_orders() -> None:
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("cancel_reason", sa.String(32), nullable=True),
        sa.Column("cancel_time", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "(cancel_reason IS NULL) = (cancel_time IS NULL)", name=op.f("ck_orders_cancellation_complete")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_orders")),
    )


def _create_shipments() -> None:
    op.create_table(
        "shipments",
        sa.Column("seq", SERIAL, autoincrement=True, nullable=False),
        sa.Column("shipment_id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("ship_name", sa.String(100), nullable=False),
        sa.Column("ship_line1", sa.String(200), nullable=False),
        sa.Column("ship_line2", sa.String(200), nullable=False),
        sa.Column("ship_city", sa.String(100), nullable=False),
        sa.Column("ship_postal_code", sa.String(16), nullable=False),
        sa.Column("ship_country", sa.String(2), nullable=False),
        sa.Column("total_weight_grams", sa.BigInteger(), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("tracking_number", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.String(32), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(KNOWN_STATUS, name=op.f("ck_shipments_known_status")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_shipments_order_id_orders")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_shipments")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_shipments_shipment_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_shipments_order_id")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_shipments_tracking_number")),
    )
    op.create_index(op.f("ix_shipments_customer_id_seq"), "shipments", ["customer_id", "seq"])
    op.create_index(op.f("ix_shipments_status_seq"), "shipments", ["status", "seq"])
    op.create_table(
        "shipment_history",
        sa.Column("shipment_id", sa.String(36), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.shipment_id"], name=op.f("fk_shipment_history_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("shipment_id", "step", name=op.f("pk_shipment_history")),
    )


def downgrade() -> None:
    drop_chassis_tables(op)
    for table in ("shipment_history", "shipments", "orders"):
        op.drop_table(table)
