"""service level targets: a service's configured "85% within 10 days", per class

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_level_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("cos", sa.String(length=16), nullable=True),
        sa.Column("percentile", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_service_level_targets_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_level_targets")),
    )
    op.create_index("ix_service_level_targets_service_id", "service_level_targets",
                    ["service_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_level_targets_service_id", table_name="service_level_targets")
    op.drop_table("service_level_targets")
