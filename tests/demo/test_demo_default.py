"""The default scenario, six months of two services, checked as a whole (one run, shared)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from demo_env import END, DemoRun
from demo_replay import load_events, load_rules, replay
from sqlalchemy import func, select

from cast import OPERATOR
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.services import queries
from flowdesk.storage.tables import blockers, item_events, items, services, stages

pytestmark = pytest.mark.slow
LOCAL = WorkCalendar()


def test_six_months_hold_at_least_three_thousand_items(default_run: DemoRun) -> None:
    summary = default_run.summary
    assert summary.days == 182 and summary.end - summary.start == timedelta(days=182)
    assert summary.items >= 3_000
    with default_run.uow.read() as conn:
        first, last = conn.execute(
            select(func.min(items.c.arrived_at), func.max(items.c.arrived_at))).one()
    assert first - summary.start < timedelta(days=3)  # the first working morning
    assert END - last < timedelta(days=3)


def test_the_board_looks_live_at_the_end(default_run: DemoRun) -> None:
    """Open work in the committed stages of both services, some of it blocked, some aging
    (for claims, older than an hour: the run ends on the outage day, when no claims came in
    before 11:00, and yesterday's were all paid the same day; for settlements, older than two
    days)."""
    for key, aging_days in (("CLM", 1 / 24), ("INT", 2)):
        board = queries.get_board(default_run.uow, OPERATOR, key, END)
        committed = [c for c in board.columns if c.stage.phase.value == "committed"]
        cards = [card for column in committed for card in column.items]
        assert sum(1 for column in committed if column.count) >= 3, key
        assert any(card.is_blocked for card in cards), key
        assert max(card.age_days(END) or 0 for card in cards) > aging_days, key


def test_wip_limits_are_never_exceeded_without_a_recorded_override(
        default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        result = replay(load_rules(conn), load_events(conn))
    assert result.moves_checked > 15_000
    assert result.violations == []
    assert 1 <= result.overrides <= 30  # a handful, each with its reason


def test_every_override_gives_its_reason(default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        reasons = conn.execute(select(item_events.c.reason)
                               .where(item_events.c.kind == "wip_override")).scalars().all()
    assert reasons and all(len(r or "") > 20 for r in reasons)


def test_work_arrives_in_office_hours_on_weekdays_except_rare_expedites(
        default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        rows = conn.execute(select(items.c.arrived_at, items.c.cos)).all()
    hours: Counter[int] = Counter()
    weekdays: Counter[int] = Counter()
    weekend_expedites = 0
    for arrived, cos in rows:
        local = LOCAL.local(arrived)
        if local.weekday() >= 5:
            assert cos == "expedite", f"a {cos} item arrived on a weekend: {local}"
            weekend_expedites += 1
            continue
        assert 8 <= local.hour < 18, f"arrived out of hours: {local}"
        hours[local.hour] += 1
        weekdays[local.weekday()] += 1
    assert weekend_expedites < 0.01 * len(rows)
    assert hours[10] > 2 * hours[17]  # the morning rush before the noon cut-off
    assert weekdays[4] < 0.85 * weekdays[0]  # quieter Fridays


def test_both_services_have_expedites_and_fixed_dates_with_due_dates(
        default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        rows = conn.execute(
            select(services.c.key, items.c.cos, items.c.due_date, items.c.arrived_at)
            .join(services, services.c.id == items.c.service_id)).all()
    for key in ("CLM", "INT"):
        mine = [r for r in rows if r.key == key]
        expedites = [r for r in mine if r.cos == "expedite"]
        fixed = [r for r in mine if r.cos == "fixed_date"]
        assert 5 <= len(expedites) < 0.05 * len(mine), key
        assert len(fixed) >= 10, key
        assert all(r.due_date is not None and r.due_date > r.arrived_at.date() for r in fixed)


def test_blockers_come_in_several_categories_in_each_service(default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        rows = conn.execute(
            select(services.c.key, blockers.c.category, blockers.c.reason)
            .join(items, items.c.id == blockers.c.item_id)
            .join(services, services.c.id == items.c.service_id)).all()
    for key in ("CLM", "INT"):
        categories = Counter(r.category for r in rows if r.key == key)
        assert len(categories) >= 5, (key, categories)
    assert all(r.reason for r in rows)


def test_discards_happen_upstream_and_give_reasons(default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        discards = conn.execute(
            select(item_events.c.reason, stages.c.phase)
            .join(stages, stages.c.id == item_events.c.from_stage_id)
            .where(item_events.c.payload["transition"].as_string() == "discard")).all()
    assert len(discards) >= 50
    assert all(d.reason for d in discards)
    assert {d.phase for d in discards} == {"upstream"}


def test_some_work_goes_back_for_rework_and_some_is_reopened(default_run: DemoRun) -> None:
    with default_run.uow.read() as conn:
        transitions = Counter(conn.execute(
            select(item_events.c.payload["transition"].as_string())
            .where(item_events.c.kind == "moved")).scalars())
    assert transitions["backward"] >= 20
    assert transitions["reopen"] >= 3
    assert transitions["deliver"] > 0.8 * default_run.summary.items
