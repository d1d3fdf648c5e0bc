"""demand: a service's alert thresholds, and acknowledgements of its alerts

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_thresholds",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_demand_thresholds_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_demand_thresholds")),
    )
    op.create_table(
        "alert_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_alert_acknowledgements_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_acknowledgements")),
    )
    op.create_index("ix_alert_acknowledgements_service_day", "alert_acknowledgements",
                    ["service_id", "day"])


def downgrade() -> None:
    op.drop_table("alert_acknowledgements")
    op.drop_table("demand_thresholds")
