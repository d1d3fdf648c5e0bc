"""Migration 0005 turns today's free-text customers into registry entries, losing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, insert, select, text

from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import alembic_config, upgrade
from flowdesk.storage.tables import customers, items


def _upgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_free_text_customers_become_registry_entries_and_items_refer_to_them(
        database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        _upgrade(engine, "0004")
        now = datetime(2026, 3, 2, 9, tzinfo=UTC)
        texts = ["ACME Corp", "acme corp ", "ACME Corp", "Nordlys Reiser", "", "Bäckerei Müller",
                 "Acme-Corp"]
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO services (key, name, description, next_number, "
                              "workflow_token, timezone, blocker_categories, created_at) VALUES "
                              "('CLM', 'Claims', '', 1, '', 'UTC', '[]', :now)"), {"now": now})
            sid = conn.execute(text("SELECT id FROM services")).scalar_one()
            conn.execute(text("INSERT INTO stages (service_id, name, phase, kind, position, "
                              "policy) VALUES (:s, 'Options', 'upstream', 'queue', 0, '')"),
                         {"s": sid})
            stage = conn.execute(text("SELECT id FROM stages")).scalar_one()
            for n, customer in enumerate(texts, start=1):
                conn.execute(text(
                    "INSERT INTO items (service_id, number, key, title, description, type, cos, "
                    "customer, stage_id, rank, version, arrived_at, updated_at) VALUES "
                    "(:s, :n, :k, 't', '', 'request', 'standard', :c, :st, :n, 1, :now, :now)"),
                    {"s": sid, "n": n, "k": f"CLM-{n}", "c": customer, "st": stage, "now": now})
        upgrade(engine)  # to the newest schema, as Flowdesk itself upgrades
        with engine.connect() as conn:
            registry = {r.key: r for r in conn.execute(select(customers))}
            rows = conn.execute(select(items.c.customer, items.c.customer_id)
                                .order_by(items.c.number)).all()
        assert sorted(registry) == ["acme-corp", "acme-corp-2", "backerei-muller",
                                    "nordlys-reiser"]
        assert registry["acme-corp"].name == "ACME Corp"  # the most used spelling
        assert registry["backerei-muller"].name == "Bäckerei Müller"
        by_id = {r.id: r for r in registry.values()}
        # Every item keeps its text, and refers to the entry of its (case-folded) name.
        assert [r.customer for r in rows] == texts
        assert [by_id[r.customer_id].match_name if r.customer_id else None for r in rows] == [
            "acme corp", "acme corp", "acme corp", "nordlys reiser", None, "bäckerei müller",
            "acme-corp"]
    finally:
        engine.dispose()


def test_a_registry_entry_needs_a_unique_key(engine: Engine) -> None:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(customers).values(key="acme", name="ACME", match_name="acme",
                                              created_at=now))
    try:
        with engine.begin() as conn:
            conn.execute(insert(customers).values(key="acme", name="Acme 2",
                                                  match_name="acme 2", created_at=now))
    except Exception as exc:  # IntegrityError, by database
        assert "unique" in str(exc).lower()
    else:
        raise AssertionError("a second customer took the key 'acme'")
