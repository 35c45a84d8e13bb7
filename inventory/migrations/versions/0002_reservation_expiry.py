"""Reservation expiry: when an order was paid, when the sweep last asked to cancel it, and their index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
AWAITING_PAYMENT = sa.text("status = 'RESERVED' AND paid_at IS NULL")
INDEX = "ix_reservations_awaiting_payment"


def upgrade() -> None:
    # Both columns are nullable, so existing reservations count as unpaid and never asked.
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("paid_at", TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("expiry_requested_at", TIMESTAMP, nullable=True))
    op.create_index(
        INDEX,
        "reservations",
        ["expire_at"],
        sqlite_where=AWAITING_PAYMENT,
        postgresql_where=AWAITING_PAYMENT,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="reservations")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("expiry_requested_at")
        batch.drop_column("paid_at")
