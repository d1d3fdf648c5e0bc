"""a service's life: archived services, the demo's services marked, a service's item types

`archived_at` set: the service is read-only and left out of the services list (its history
and analytics stay). `demo`: the demo loaded it, so `flowdesk demo --remove` (and the services
page's button) may remove it; the demo's two services of an existing database are marked by
their key and name. `item_types`: the types of work a new item is offered.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEMO = {"CLM": "Priority-client claims", "INT": "International settlements"}


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False,
                                   server_default=sa.text("false")))
        batch.add_column(sa.Column("item_types", sa.JSON(), nullable=True))
    services = sa.table("services", sa.column("key", sa.String), sa.column("name", sa.String),
                        sa.column("demo", sa.Boolean))
    for key, name in DEMO.items():
        op.execute(services.update().where(services.c.key == key, services.c.name == name)
                   .values(demo=True))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("item_types")
        batch.drop_column("demo")
        batch.drop_column("archived_at")
