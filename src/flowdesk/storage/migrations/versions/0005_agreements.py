"""agreements: customers and their contacts, business calendars, customer agreements and
their versions; items refer to a customer and keep what their agreement promised

Today's free-text customers become registry entries: one per name, compared trimmed and
case-folded (its most used spelling names it), with a key made from the name and unique.
Each item keeps its text as it was and refers to its entry; nothing is lost.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY_MAX = 40


def _key_from_name(name: str) -> str:
    """A frozen copy of `flowdesk.domain.customers.key_from_name` (migrations never change)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    key = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:KEY_MAX].strip("-")
    return key or "customer"


def _unique(key: str, taken: set[str]) -> str:
    if key not in taken:
        return key
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = key[:KEY_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def upgrade() -> None:
    customers = op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("match_name", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("key", name=op.f("uq_customers_key")),
    )
    op.create_index("ix_customers_match_name", "customers", ["match_name"])
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_customer_contacts_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
    )
    op.create_index("ix_customer_contacts_customer_id", "customer_contacts", ["customer_id"])
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("working_days", sa.JSON(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("closes", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendars")),
        sa.UniqueConstraint("key", name=op.f("uq_calendars_key")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"],
                                name=op.f("fk_agreements_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    op.create_index("ix_agreements_service_id", "agreements", ["service_id"])
    op.create_table(
        "agreement_versions",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("cos", sa.String(length=16), nullable=True),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("calendar", sa.JSON(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("cut_off", sa.String(length=5), nullable=True),
        sa.Column("due_by", sa.String(length=5), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"],
                                name=op.f("fk_agreement_versions_agreement_id_agreements"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendars.id"],
                                name=op.f("fk_agreement_versions_calendar_id_calendars")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_agreement_versions_customer_id_customers")),
        sa.PrimaryKeyConstraint("agreement_id", "version", name=op.f("pk_agreement_versions")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("entitlement", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("agreement_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_version", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_items_customer_id_customers"), "customers",
                                    ["customer_id"], ["id"])
        batch_op.create_foreign_key("fk_items_agreement_id_agreement_versions",
                                    "agreement_versions", ["agreement_id", "agreement_version"],
                                    ["agreement_id", "version"])
        batch_op.create_index("ix_items_customer_id", ["customer_id"])
    _register_customers(customers)


def _register_customers(customers: sa.Table) -> None:
    """One registry entry per free-text customer (trimmed, case-folded); items refer to it."""
    conn = op.get_bind()
    items = sa.table("items", sa.column("id", sa.Integer()), sa.column("customer", sa.String()),
                     sa.column("customer_id", sa.Integer()))
    counts = conn.execute(sa.select(items.c.customer, sa.func.count())
                          .where(items.c.customer != "").group_by(items.c.customer)).all()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for text, n in counts:
        if text.strip():
            spellings[text.strip().casefold()][text] += int(n)
    taken: set[str] = set()
    now = datetime.now(UTC)
    for match_name in sorted(spellings):
        # The most used spelling names the customer (the first in order, on a tie).
        name = sorted(spellings[match_name].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        key = _unique(_key_from_name(name), taken)
        taken.add(key)
        customer_id = conn.execute(sa.insert(customers).values(
            key=key, name=name.strip()[:120], match_name=match_name, created_at=now,
        ).returning(customers.c.id)).scalar_one()
        for text in spellings[match_name]:
            conn.execute(sa.update(items).where(items.c.customer == text)
                         .values(customer_id=customer_id))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_customer_id")
        batch_op.drop_constraint("fk_items_agreement_id_agreement_versions",
                                 type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_items_customer_id_customers"), type_="foreignkey")
        batch_op.drop_column("agreement_version")
        batch_op.drop_column("agreement_id")
        batch_op.drop_column("entitlement")
        batch_op.drop_column("due_at")
        batch_op.drop_column("customer_id")
    op.drop_table("agreement_versions")
    op.drop_table("agreements")
    op.drop_index("ix_customers_match_name", table_name="customers")
    op.drop_table("calendars")
    op.drop_table("customer_contacts")
    op.drop_table("customers")
