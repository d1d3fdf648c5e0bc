"""Skill levels, absences and the bus factor of a service's skills."""

from __future__ import annotations

from datetime import date

import pytest

from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.skills import (
    Absence,
    Level,
    Person,
    absent_on,
    check_level,
    gaps,
    on_day,
    single_points,
    skill_risks,
)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_levels_zero_to_three_are_accepted(level: int) -> None:
    assert check_level(level) == level


@pytest.mark.parametrize("level", [-1, 4, True, 2.5])
def test_a_level_outside_zero_to_three_is_refused(level: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_level(level)
    assert refused.value.field == "level"


def test_a_person_with_a_bad_skill_level_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        Person("ann", skills={"refunds": 5})
    assert refused.value.field == "level"


@pytest.mark.parametrize(("changes", "named"), [
    ({"wip_limit": 0}, "wip_limit"), ({"wip": -1}, "wip"), ({"weekly_hours": 0.0}, "weekly_hours"),
])
def test_a_person_with_impossible_numbers_is_refused_by_field(
        changes: dict[str, int], named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Person("ann", **changes)  # type: ignore[arg-type]
    assert refused.value.field == named


def test_an_absence_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        Absence("ann", date(2026, 3, 10), date(2026, 3, 9))
    assert refused.value.field == "ends_on"


def test_an_absence_covers_its_first_and_last_day() -> None:
    leave = Absence("ann", date(2026, 3, 9), date(2026, 3, 11))
    assert [leave.covers(date(2026, 3, d)) for d in (8, 9, 11, 12)] == [False, True, True, False]
    assert Absence("bob", date(2026, 3, 9), date(2026, 3, 9)).covers(date(2026, 3, 9))


def test_people_absent_on_a_day_become_unavailable() -> None:
    ann, bob = Person("ann"), Person("bob")
    leave = [Absence("ann", date(2026, 3, 9), date(2026, 3, 13))]
    assert absent_on(leave, date(2026, 3, 10)) == {"ann"}
    today = on_day([ann, bob], leave, date(2026, 3, 10))
    assert [p.available for p in today] == [False, True]
    assert all(p.available for p in on_day([ann, bob], leave, date(2026, 3, 16)))


def test_room_is_what_is_left_under_the_personal_limit() -> None:
    ann = Person("ann", wip_limit=3, wip=1)
    full = Person("bob", wip_limit=2, wip=3)  # over the limit after an override
    assert (ann.room, ann.can_take_more) == (2, True)
    assert (full.room, full.can_take_more) == (0, False)
    assert Person("cy", wip_limit=4, home_services=frozenset({"A", "B"})).share == 2.0


def test_a_skill_only_one_person_can_do_alone_is_a_single_point() -> None:
    people = [Person("ann", "Ann", skills={"refunds": 3, "fraud": 2}),
              Person("bob", skills={"refunds": 2, "fraud": 1}),
              Person("cy", skills={"fraud": 1, "claims": 1})]
    risks = single_points(people)
    assert [(r.skill, r.people) for r in risks] == [("fraud", ("ann",))]
    assert risks[0].sentence == "Only Ann can do fraud alone: the skill rests on one person."


def test_a_needed_skill_nobody_available_can_do_alone_is_a_gap() -> None:
    people = [Person("ann", "Ann", skills={"refunds": 3}, available=False),
              Person("bob", skills={"refunds": 1, "fraud": 2})]
    found = gaps(["refunds", "fraud", "claims"], people)
    assert [(g.skill, g.people) for g in found] == [("claims", ()), ("refunds", ("ann",))]
    assert found[1].sentence == "Nobody available can do refunds alone (Ann away)."
    assert found[0].sentence == "Nobody can do claims alone."


def test_skill_risks_lists_gaps_then_single_points() -> None:
    people = [Person("ann", skills={"refunds": Level.TEACHES})]
    assert [(r.kind, r.skill) for r in skill_risks(["fraud"], people)] == [
        ("gap", "fraud"), ("single_point", "refunds")]
