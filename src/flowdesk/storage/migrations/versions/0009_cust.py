"""failure demand: an item marked as a repeat request, a complaint or a correction, linked to
the earlier delivered item it stems from; each service's first-time-fix window

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("stems_from_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_items_stems_from_id_items"), "items",
                                    ["stems_from_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_items_stems_from_id", ["stems_from_id"])
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fix_window_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("fix_window_days")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_stems_from_id")
        batch_op.drop_constraint(op.f("fk_items_stems_from_id_items"), type_="foreignkey")
        batch_op.drop_column("stems_from_id")
        batch_op.drop_column("failure_kind")
