"""Demand: a seeded, non-homogeneous Poisson process over office hours (no database)."""

from __future__ import annotations

import random
from datetime import timedelta

from demo_env import END

from flowdesk.demo.arrivals import arrivals
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.claims import CLAIMS, SETTLEMENTS
from flowdesk.domain.classes import ClassOfService

LOCAL = WorkCalendar()
START = END - timedelta(days=56)


def test_the_same_seed_gives_the_same_arrivals() -> None:
    first = arrivals(CLAIMS, LOCAL, START, END, random.Random(5))
    again = arrivals(CLAIMS, LOCAL, START, END, random.Random(5))
    other = arrivals(CLAIMS, LOCAL, START, END, random.Random(6))
    assert first == again != other


def test_claims_arrive_at_about_the_planned_rate_and_in_time_order() -> None:
    found = arrivals(CLAIMS, LOCAL, START, END, random.Random(1))
    weekdays = 40
    assert 0.85 * 22 * weekdays < len(found) < 1.15 * 22 * weekdays
    assert [a.at for a in found] == sorted(a.at for a in found)
    assert all(START <= a.at < END for a in found)


def test_fixed_date_work_always_has_a_due_date_after_it_arrives() -> None:
    found = arrivals(SETTLEMENTS, LOCAL, START, END, random.Random(2))
    fixed = [a for a in found if a.cos is ClassOfService.FIXED_DATE]
    assert fixed
    assert all(a.due_date and a.due_date > LOCAL.local(a.at).date() for a in fixed)
    assert all(a.due_date is None for a in found if a.cos is not ClassOfService.FIXED_DATE)


def test_cards_name_an_agency_and_read_like_work() -> None:
    found = arrivals(CLAIMS, LOCAL, START, END, random.Random(3))
    assert len({a.customer for a in found}) >= 10
    assert all("{" not in a.title and len(a.title) > 10 for a in found)
