"""Checks that a database's items and event log agree, read straight from the tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, select

from flowdesk.storage.tables import event_counters, item_events, items

STATE_EVENTS = ("created", "moved", "reordered")


def state_events(engine: Engine) -> dict[int, list[Any]]:
    """Each item's creation and moves, in the log's order."""
    by_item: dict[int, list[Any]] = defaultdict(list)
    with engine.connect() as conn:
        for event in conn.execute(select(item_events).where(
                item_events.c.kind.in_(STATE_EVENTS)).order_by(item_events.c.seq)):
            by_item[event.item_id].append(event)
    return by_item


def check_items_and_events_agree(engine: Engine, service_id: int) -> None:
    """The service's events are numbered 1, 2, 3, ... and its counter is at the last; each
    item's creation and moves number its versions 1, 2, 3, ... and the last says where it is
    (no change without its event, no event without its change). Only for a history made of
    creations and moves: other writes change versions too."""
    events = state_events(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(items).where(items.c.service_id == service_id)).all()
        seqs = sorted(conn.execute(select(item_events.c.seq).where(
            item_events.c.service_id == service_id)).scalars())
        last_seq = conn.execute(select(event_counters.c.last_seq).where(
            event_counters.c.service_id == service_id)).scalar_one()
    assert seqs == list(range(1, len(seqs) + 1)) and last_seq == len(seqs)
    assert set(events) == {item.id for item in stored}, "events of items that do not exist"
    for item in stored:
        versions = [e.payload["version"] for e in events[item.id]]
        assert versions == list(range(1, item.version + 1)), (item.key, versions)
        assert events[item.id][-1].to_stage_id == item.stage_id, item.key
