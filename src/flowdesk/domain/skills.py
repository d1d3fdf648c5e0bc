"""People's skills and availability, and the skills a service rests on too few people for.

A skill level says what someone can do with a kind of work: 0 none, 1 learning, 2 can do
it alone, 3 can teach it. Only level 2 and above do the work unaided, so only they count
towards the bus factor and against a gap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum
from types import MappingProxyType
from typing import Literal

from flowdesk.domain.errors import InvalidInput


class Level(IntEnum):
    """How well someone masters a skill."""

    NONE = 0
    LEARNING = 1
    ALONE = 2
    TEACHES = 3

    @property
    def label(self) -> str:
        return ("none", "learning", "can do alone", "can teach")[self]


def check_level(value: int, field: str = "level") -> Level:
    """A skill level: a whole number from 0 to 3."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise InvalidInput(
            f"a skill level is 0 (none), 1 (learning), 2 (can do alone) or 3 (can teach), "
            f"not {value!r}", field)
    return Level(value)


@dataclass(frozen=True)
class Absence:
    """Someone away from ``starts_on`` to ``ends_on``, both days included."""

    username: str
    starts_on: date
    ends_on: date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidInput(
                f"an absence cannot end ({self.ends_on}) before it starts ({self.starts_on})",
                "ends_on")

    def covers(self, day: date) -> bool:
        """Return whether the person is away on ``day``."""
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Person:
    """Someone who can pull work: where they belong, what they can do, and how much more
    they can take. ``wip`` is their current WIP across every service and ``wip_limit``
    their personal limit; ``available`` is False when they are away today."""

    username: str
    display_name: str = ""
    home_services: frozenset[str] = frozenset()
    skills: Mapping[str, int] = field(default_factory=dict, hash=False)
    available: bool = True
    wip_limit: int = 3
    wip: int = 0
    weekly_hours: float = 40.0

    def __post_init__(self) -> None:
        levels = {name: check_level(level) for name, level in self.skills.items()}
        object.__setattr__(self, "skills", MappingProxyType(levels))
        object.__setattr__(self, "home_services", frozenset(self.home_services))
        if isinstance(self.wip_limit, bool) or self.wip_limit < 1:
            raise InvalidInput("a personal WIP limit is at least 1", "wip_limit")
        if self.wip < 0:
            raise InvalidInput("current WIP cannot be negative", "wip")
        if not (math.isfinite(self.weekly_hours) and 0 < self.weekly_hours <= 168):
            raise InvalidInput("weekly hours are more than 0 and at most 168", "weekly_hours")

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def level(self, skill: str) -> Level:
        """Return the level held in a skill (NONE when not listed)."""
        return Level(self.skills.get(skill, Level.NONE))

    def can_do(self, skill: str) -> bool:
        """Return whether they can do this work alone (level 2 or 3)."""
        return self.level(skill) >= Level.ALONE

    @property
    def room(self) -> int:
        """Return how many more items they can pull under their personal limit."""
        return max(0, self.wip_limit - self.wip)

    @property
    def can_take_more(self) -> bool:
        """Return whether they are here today and below their personal WIP limit."""
        return self.available and self.room > 0

    @property
    def share(self) -> float:
        """Return the capacity they give each home service: their limit split evenly."""
        return self.wip_limit / len(self.home_services) if self.home_services else 0.0


def absent_on(absences: Iterable[Absence], day: date) -> frozenset[str]:
    """Return the usernames away on ``day``."""
    return frozenset(a.username for a in absences if a.covers(day))


def on_day(people: Iterable[Person], absences: Iterable[Absence], day: date) -> list[Person]:
    """Return the people as they stand on ``day``: anyone with an absence covering it
    becomes unavailable (no one becomes available that was not)."""
    away = absent_on(absences, day)
    return [replace(p, available=False) if p.username in away else p for p in people]


@dataclass(frozen=True)
class SkillRisk:
    """A skill that rests on one person ("single_point") or that nobody available can
    do alone while the work needs it ("gap"); ``people`` are those who hold it at 2+."""

    skill: str
    kind: Literal["single_point", "gap"]
    people: tuple[str, ...]
    sentence: str


def single_points(people: Iterable[Person]) -> list[SkillRisk]:
    """Return the skills exactly one person can do alone (present today or not: the bus
    factor is about who could leave)."""
    holders: dict[str, list[Person]] = {}
    for person in people:
        for skill in person.skills:
            if person.can_do(skill):
                holders.setdefault(skill, []).append(person)
    return [
        SkillRisk(skill, "single_point", (only[0].username,),
                  f"Only {only[0].name} can do {skill} alone: the skill rests on one person.")
        for skill, only in sorted(holders.items()) if len(only) == 1
    ]


def gaps(needed: Iterable[str], people: Iterable[Person]) -> list[SkillRisk]:
    """Return the needed skills that nobody available can do alone."""
    listed = list(people)
    found = []
    for skill in sorted(set(needed)):
        holders = [p for p in listed if p.can_do(skill)]
        if any(p.available for p in holders):
            continue
        if holders:
            away = ", ".join(p.name for p in holders)
            why = f"Nobody available can do {skill} alone ({away} away)."
        else:
            why = f"Nobody can do {skill} alone."
        found.append(SkillRisk(skill, "gap", tuple(p.username for p in holders), why))
    return found


def skill_risks(needed: Iterable[str], people: Iterable[Person]) -> list[SkillRisk]:
    """Return a service's gaps (needed, nobody available) then its single points."""
    listed = list(people)
    return gaps(needed, listed) + single_points(listed)
