"""workflow: stages can be retired (kept, with their history), and a service says whether
work may be delivered from any stage or only from its last committed one

Revision ID: 0006_workflow
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_workflow"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliver_from_any_stage", sa.Boolean(),
                                      server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("deliver_from_any_stage")
    with op.batch_alter_table("stages", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
