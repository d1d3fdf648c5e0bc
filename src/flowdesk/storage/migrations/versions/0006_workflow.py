"""workflow: stages can be retired (kept, with their history), and a service says whether
work may be delivered from any stage or only from its last committed one

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN on both databases: a batch operation would rebuild the
    # tables on SQLite, and dropping `services` there cascades into its items when foreign
    # keys are on. `sa.false()` is `false` on PostgreSQL and `0` on SQLite.
    op.add_column("stages", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("services", sa.Column("deliver_from_any_stage", sa.Boolean(),
                                        server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("deliver_from_any_stage")
    with op.batch_alter_table("stages", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
