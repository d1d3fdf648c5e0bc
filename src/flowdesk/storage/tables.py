"""The schema. Current-state tables are what the board reads; item_events is append-only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BigInteger primary keys autoincrement on both databases only as plain Integer on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UtcDateTime()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("display_name", String(120), nullable=False),
    Column("email", String(254), nullable=False, server_default=""),
    Column("password_hash", String(200)),  # Argon2id; null: cannot sign in (the `local` user)
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("wip_limit", Integer),  # committed items assigned at once, across all services
    Column("created_at", TS, nullable=False),
)

# A signed-in browser. The cookie carries the session id; only its SHA-256 is stored.
sessions = Table(
    "sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# Personal API tokens: shown once, stored as their SHA-256.
api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS),
    Column("revoked_at", TS),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Failed sign-ins, for throttling: keyed by a salted hash of the username or the client's
# address, so no login name or address is stored.
login_failures = Table(
    "login_failures", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False),
    Column("at", TS, nullable=False),
    Index("ix_login_failures_key_at", "key", "at"),
)

services = Table(
    "services", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(10), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("next_number", Integer, nullable=False, server_default="1"),
    # A new random token whenever stages, class policies or stage groups change: processes
    # cache a service's workflow by (id, token) and read only this row to know it is current.
    Column("workflow_token", String(32), nullable=False, server_default=""),
    Column("person_wip_limit", Integer),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("blocker_categories", JSON, nullable=False),
    # False: work is delivered only from the last committed stage (past every check, like an
    # approval); True: from any stage.
    Column("deliver_from_any_stage", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", TS, nullable=False),
    # Set: archived, read-only and left out of the services list; its history stays.
    Column("archived_at", TS),
    # The demo loaded it: `flowdesk demo --remove` removes it.
    Column("demo", Boolean, nullable=False, server_default=text("false")),
    # The types of work a new item is offered (null: those the service's items already have).
    Column("item_types", JSON),
    # Days after a delivery within which failure demand linked to it counts against its
    # first-time fix (null: the default, `domain.failure_demand.DEFAULT_FIX_WINDOW_DAYS`).
    Column("fix_window_days", Integer),
)

stages = Table(
    "stages", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    Column("wip_limit", Integer),
    Column("policy", Text, nullable=False, server_default=""),
    # Set: the stage is retired. It holds no item and takes none, and keeps its name, its
    # place (position) and every event that names it, for history and cumulative flow.
    Column("retired_at", TS),
    UniqueConstraint("service_id", "name", name="uq_stages_service_name"),
)

stage_groups = Table(
    "stage_groups", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("wip_limit", Integer),
)

stage_group_members = Table(
    "stage_group_members", metadata,
    Column("group_id", ForeignKey("stage_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("stage_id", ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True),
)

class_policies = Table(
    "class_policies", metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("cos", String(16), primary_key=True),
    Column("wip_limit", Integer),
    Column("may_exceed_stage_limits", Boolean, nullable=False),
    Column("requires_due_date", Boolean, nullable=False),
    Column("policy", Text, nullable=False, server_default=""),
)

# The customer organisations services work for, shared by every service. `key` is a short
# lowercase name ("acme-corp"); `match_name` is the name trimmed and case-folded, so an item's
# customer text finds its customer by key or by name in one indexed query.
customers = Table(
    "customers", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("match_name", String(400), nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_customers_match_name", "match_name"),
)

# The people who make requests for a customer.
customer_contacts = Table(
    "customer_contacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False),
    Index("ix_customer_contacts_customer_id", "customer_id"),
)

# Named business calendars (flowdesk.domain.calendars.Calendar), shared by every service.
# Working days are day names ("mon"), hours minutes after midnight, holidays ISO dates.
calendars = Table(
    "calendars", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("working_days", JSON, nullable=False),
    Column("opens", Integer, nullable=False),
    Column("closes", Integer, nullable=False),
    Column("holidays", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# A service's customer agreement: its current state. Every version is kept, unchanged, in
# agreement_versions; `version` is the latest. A retired agreement applies to no new item.
agreements = Table(
    "agreements", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("retired_at", TS),
    Index("ix_agreements_service_id", "service_id"),
)

# One version of an agreement (flowdesk.domain.agreements.Agreement), never changed once
# written but for `retired_at`, set when a newer version or the retirement replaces it. The
# calendar is a snapshot (a registry calendar's `calendar_id` says which one it came from).
agreement_versions = Table(
    "agreement_versions", metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    # Random, per row: processes cache parsed versions by (id, version, token), so a version
    # written by a transaction that rolled back (its id used again) is never taken for another.
    Column("token", String(32), nullable=False),
    Column("name", String(120), nullable=False, server_default=""),
    Column("customer_id", ForeignKey("customers.id"), nullable=True),
    Column("cos", String(16)),
    Column("calendar_id", ForeignKey("calendars.id"), nullable=True),
    Column("calendar", JSON, nullable=False),
    Column("target", JSON, nullable=False),
    Column("cut_off", String(5)),
    Column("due_by", String(5)),
    Column("created_by", String(80), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("retired_at", TS),
)

# A service's configured service level targets (flowdesk.domain.service_levels): one for the
# whole service (`cos` null) and at most one per class of service. Items an agreement covers
# are measured against the agreement instead.
service_level_targets = Table(
    "service_level_targets", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("cos", String(16)),
    Column("percentile", Integer, nullable=False),
    Column("days", Integer, nullable=False),
    Index("ix_service_level_targets_service_id", "service_id"),
)

items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("key", String(24), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("type", String(40), nullable=False),
    Column("cos", String(16), nullable=False),
    Column("customer", String(120), nullable=False, server_default=""),
    Column("due_date", Date),
    Column("stage_id", ForeignKey("stages.id"), nullable=False),
    Column("rank", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("arrived_at", TS, nullable=False),
    Column("committed_at", TS),
    Column("delivered_at", TS),
    Column("discarded_at", TS),
    Column("updated_at", TS, nullable=False),
    Column("external_id", String(120)),  # the id in the tool an item was imported from
    # The registry's customer the `customer` text names (null: free text, e.g. imported).
    Column("customer_id", ForeignKey("customers.id"), nullable=True),
    # What the agreement that applied at arrival promised: the due instant, the sentence for
    # people, and the agreement version (kept when the agreement changes later).
    Column("due_at", TS),
    Column("entitlement", Text, nullable=False, server_default=""),
    Column("agreement_id", Integer),
    Column("agreement_version", Integer),
    # Failure demand: a repeat request, a complaint or a correction (null: value demand), and
    # the earlier delivered item it stems from.
    Column("failure_kind", String(16)),
    Column("stems_from_id", ForeignKey("items.id", ondelete="SET NULL")),
    UniqueConstraint("service_id", "number", name="uq_items_service_number"),
    UniqueConstraint("service_id", "external_id", name="uq_items_service_external"),
    ForeignKeyConstraint(["agreement_id", "agreement_version"],
                         ["agreement_versions.agreement_id", "agreement_versions.version"],
                         name="fk_items_agreement_id_agreement_versions"),
    Index("ix_items_stage_rank", "stage_id", "rank"),
    Index("ix_items_service_delivered", "service_id", "delivered_at"),
    Index("ix_items_customer_id", "customer_id"),
    Index("ix_items_stems_from_id", "stems_from_id"),
)

item_assignees = Table(
    "item_assignees", metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    # The username of an account, or a free-text name kept from imported history.
    Column("person", String(80), primary_key=True),
    # The account, when the person has one: personal WIP is counted by it, across services.
    Column("user_id", ForeignKey("users.id"), nullable=True),
    Index("ix_item_assignees_person", "person"),
    Index("ix_item_assignees_user_id", "user_id"),
)

blockers = Table(
    "blockers", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("category", String(40), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS),
    Column("started_by", String(80), nullable=False),
    Column("ended_by", String(80)),
    # One open blocker per item, enforced by the database too.
    Index(
        "ix_blockers_one_open", "item_id", unique=True,
        sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL"),
    ),
)

# One row per service: the last number its event log handed out.
# A user's roles in a service. `ends_at`: a temporary membership (a lending) ends by itself.
memberships = Table(
    "memberships", metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("roles", JSON, nullable=False),
    Column("ends_at", TS),
    Column("added_by", String(80), nullable=False),
    Column("added_at", TS, nullable=False),
    Index("ix_memberships_service_id", "service_id"),
)

# A service's demand alert thresholds (flowdesk.domain.demand.Thresholds): only those changed
# from their defaults.
demand_thresholds = Table(
    "demand_thresholds", metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("values", JSON, nullable=False),
)

# Someone has seen a demand alert of a (local) day and said what is being done about it.
alert_acknowledgements = Table(
    "alert_acknowledgements", metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("day", Date, nullable=False),  # the service's local day the alert was raised on
    Column("note", Text, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("at", TS, nullable=False),
    Index("ix_alert_acknowledgements_service_day", "service_id", "day"),
)

# The skills a service's work needs, in order, each with the item types that need it.
service_skills = Table(
    "service_skills", metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(60), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("item_types", JSON, nullable=False),
)

# A person's level in a named skill (0-3), whichever service names it: the level a Flow
# Manager or Service Delivery Manager confirmed (null: none yet), and the one the person
# proposed themself, pending confirmation (null: no proposal).
skill_levels = Table(
    "skill_levels", metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("skill", String(60), primary_key=True),
    Column("level", Integer),
    Column("confirmed_by", String(80)),
    Column("confirmed_at", TS),
    Column("proposed", Integer),
    Column("proposed_at", TS),
)

# A person's working hours per week (no row: the default).
user_availability = Table(
    "user_availability", metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("hours_per_week", Float, nullable=False),
)

# A person away from starts_on to ends_on, both days included.
absences = Table(
    "absences", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("added_by", String(80), nullable=False),
    Column("added_at", TS, nullable=False),
    Index("ix_absences_user_id", "user_id", "starts_on"),
)

event_counters = Table(
    "event_counters", metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
)


def _next_event_seq(context: DefaultExecutionContext) -> int:
    """The next number in the event's service's sequence: the feed's cursor.

    Ids come from a sequence shared by concurrent transactions, so a reader can see id 12
    committed before id 11 and page past 11 for good. The per-service number is taken by an
    UPDATE of the service's `event_counters` row instead: it holds that row's lock to the end
    of the transaction, so a service's events commit in the order of their numbers. The
    counter is the last lock any write takes (after the service, stage and item rows), so it
    never takes part in a deadlock, and it is held only from the first event to the commit.
    Every insert gets a number, also a bulk insert (an import): its rows' numbers are
    reserved in one UPDATE per service. (On PostgreSQL, `repository.append_event` runs the
    same UPDATE in a WITH clause of its INSERT, saving a round trip on every write.)
    """
    params = context.current_parameters  # this row's values, keyed by column
    assert params is not None
    reserved: dict[int, int] | None = getattr(context, "flowdesk_seqs", None)
    if reserved is None:
        wanted = Counter(int(p["service_id"]) for p in context.compiled_parameters)
        reserved = {}
        for service_id, count in sorted(wanted.items()):
            last = context.connection.execute(
                update(event_counters).where(event_counters.c.service_id == service_id)
                .values(last_seq=event_counters.c.last_seq + count)
                .returning(event_counters.c.last_seq)
            ).scalar_one()
            reserved[service_id] = int(last) - count
        context.flowdesk_seqs = reserved  # type: ignore[attr-defined]
    service_id = int(params["service_id"])
    reserved[service_id] += 1
    return reserved[service_id]


item_events = Table(
    "item_events", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), nullable=False),
    Column("seq", BigInteger, nullable=False, default=_next_event_seq),  # per service, 1, 2, ...
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE")),  # null: a rule change
    Column("kind", String(32), nullable=False),
    Column("from_stage_id", Integer),
    Column("to_stage_id", Integer),
    Column("at", TS, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("reason", Text),
    Column("payload", JSON, nullable=False),
    Index("ix_item_events_service_id", "service_id", "id"),
    Index("ix_item_events_item_id", "item_id", "id"),
    UniqueConstraint("service_id", "seq", name="uq_item_events_service_seq"),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("body_hash", String(64), nullable=False),  # SHA-256 of the request: replays match
    Column("created_at", TS, nullable=False),
)
