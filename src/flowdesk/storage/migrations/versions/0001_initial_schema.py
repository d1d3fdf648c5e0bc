"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:19:26.846009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("next_number", sa.Integer(), server_default="1", nullable=False),
        sa.Column("workflow_token", sa.String(length=32), server_default="", nullable=False),
        sa.Column("person_wip_limit", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("blocker_categories", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("key", name=op.f("uq_services_key")),
    )
    op.create_table(
        "event_counters",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_event_counters_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_event_counters")),
    )
    op.create_table(
        "class_policies",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("cos", sa.String(length=16), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.Column("may_exceed_stage_limits", sa.Boolean(), nullable=False),
        sa.Column("requires_due_date", sa.Boolean(), nullable=False),
        sa.Column("policy", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_class_policies_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "cos", name=op.f("pk_class_policies")),
    )
    op.create_table(
        "stage_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_stage_groups_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_groups")),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("wip_limit", sa.Integer(), nullable=True),
        sa.Column("policy", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_stages_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("service_id", "name", name="uq_stages_service_name"),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("cos", sa.String(length=16), nullable=False),
        sa.Column("customer", sa.String(length=120), server_default="", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_items_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], name=op.f("fk_items_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("key", name=op.f("uq_items_key")),
        sa.UniqueConstraint("service_id", "external_id", name="uq_items_service_external"),
        sa.UniqueConstraint("service_id", "number", name="uq_items_service_number"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_service_delivered", ["service_id", "delivered_at"], unique=False
        )
        batch_op.create_index("ix_items_stage_rank", ["stage_id", "rank"], unique=False)

    op.create_table(
        "stage_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["stage_groups.id"],
            name=op.f("fk_stage_group_members_group_id_stage_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_stage_group_members_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "stage_id", name=op.f("pk_stage_group_members")),
    )
    op.create_table(
        "blockers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=80), nullable=False),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_blockers_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blockers")),
    )
    with op.batch_alter_table("blockers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blockers_one_open",
            ["item_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_idempotency_keys_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_idempotency_keys_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "item_assignees",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_item_assignees_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "person", name=op.f("pk_item_assignees")),
    )
    with op.batch_alter_table("item_assignees", schema=None) as batch_op:
        batch_op.create_index("ix_item_assignees_person", ["person"], unique=False)

    op.create_table(
        "item_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_stage_id", sa.Integer(), nullable=True),
        sa.Column("to_stage_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_events_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_item_events_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_events")),
        sa.UniqueConstraint("service_id", "seq", name="uq_item_events_service_seq"),
    )
    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.create_index("ix_item_events_item_id", ["item_id", "id"], unique=False)
        batch_op.create_index("ix_item_events_service_id", ["service_id", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.drop_index("ix_item_events_service_id")
        batch_op.drop_index("ix_item_events_item_id")

    op.drop_table("item_events")
    with op.batch_alter_table("item_assignees", schema=None) as batch_op:
        batch_op.drop_index("ix_item_assignees_person")

    op.drop_table("item_assignees")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("blockers", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_blockers_one_open",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.drop_table("blockers")
    op.drop_table("stage_group_members")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_stage_rank")
        batch_op.drop_index("ix_items_service_delivered")

    op.drop_table("items")
    op.drop_table("stages")
    op.drop_table("stage_groups")
    op.drop_table("class_policies")
    op.drop_table("event_counters")
    op.drop_table("services")
