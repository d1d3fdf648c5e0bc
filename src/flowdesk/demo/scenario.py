"""The shape of a simulated service: its workflow, its team, its demand and its troubles.

Plain data. `claims.py` fills it in for the claims service centre.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import time

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import StageSpec


@dataclass(frozen=True)
class LogNormal:
    """A positive duration, in hours, spread log-normally around its median."""

    median: float
    sigma: float

    def draw(self, rng: random.Random, scale: float = 1.0) -> float:
        return self.median * scale * math.exp(rng.gauss(0.0, self.sigma))


@dataclass(frozen=True)
class Member:
    """A team member, the roles they work in, and when they work on the board (local times).

    `hours` None means all office hours; team leads, say, only approve in set rounds.
    """

    username: str
    name: str
    roles: tuple[str, ...]
    hours: tuple[tuple[time, time], ...] | None = None

    def available(self, local: time) -> bool:
        return self.hours is None or any(start <= local < end for start, end in self.hours)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.name)


@dataclass(frozen=True)
class Activity:
    """Work done in an activity stage, pulled from the stage just before it.

    `owner`: only the item's owner works on it here; the first such activity (the pull across
    the commitment point) makes whoever pulls the item its owner, and assigns them.
    """

    stage: str
    source: str
    role: str
    work: LogNormal  # hands-on hours for an item of work factor 1
    owner: bool = False
    block_chance: float = 0.0
    rework_chance: float = 0.0  # after the work, sent back to `rework_to` for correction
    rework_to: str = ""
    rework_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class BlockerKind:
    """A category of blocker: how often it is the cause, how long it lasts (calendar hours)."""

    category: str
    weight: float
    duration: LogNormal
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ItemType:
    name: str
    weight: float
    work_factor: float  # scales every activity's work
    titles: tuple[str, ...]  # templates: {ref}, {place}, {amount}, {agency}, {currency}


@dataclass(frozen=True)
class Demand:
    """How work arrives: a weekday mean, shaped by hour of day and day of week."""

    per_weekday: float
    hour_weights: dict[int, float]  # local hour -> relative rate; hours not listed get none
    weekday_factors: tuple[float, float, float, float, float]  # Monday .. Friday
    weekend_expedites_per_day: float
    classes: dict[ClassOfService, float]  # share of each class of service
    fixed_date_days: tuple[int, int]  # due this many working days after arrival (min, max)
    typical_amount: float  # median amount of money an item is about


@dataclass(frozen=True)
class Outage:
    """The feed that brings the work in is down one morning (the outage day, see
    `runner.outage_day`): until `until` (local time) only a `kept` share of the arrivals gets
    through; the rest is held and comes in within `release_minutes` of `until`, and the rest of
    the day brings `surge` times the usual rate (senders file again what they think was lost)."""

    until: time
    kept: float
    release_minutes: int
    surge: float


@dataclass(frozen=True)
class Replenishment:
    """Options move from one upstream stage to another at a regular meeting."""

    source: str
    target: str
    weekdays: tuple[int, ...]  # Monday is 0
    at: time
    stale_after_days: int  # options older than this may be dropped at the meeting
    stale_reasons: tuple[str, ...]


@dataclass(frozen=True)
class LimitChange:
    """A WIP limit the team changes part-way through the period (a retrospective decision)."""

    at_fraction: float  # of the simulated period
    stage: str
    limit: int | None


@dataclass(frozen=True)
class ServicePlan:
    key: str
    name: str
    description: str
    stages: list[StageSpec]
    activities: list[Activity]
    team: list[Member]
    manager: Member  # replenishes, discards stale options, changes the rules
    demand: Demand
    types: list[ItemType]
    blockers: list[BlockerKind]
    person_wip_limit: int | None = None
    groups: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)
    class_policies: dict[ClassOfService, str] = field(default_factory=dict)
    waits: dict[str, LogNormal] = field(default_factory=dict)  # queue -> outside wait (hours)
    discard_chance: float = 0.0  # an option dropped before commitment
    discard_reasons: tuple[str, ...] = ()
    reopen_chance: float = 0.0
    reopen_to: str = ""
    reopen_reasons: tuple[str, ...] = ()
    replenishment: Replenishment | None = None
    limit_changes: list[LimitChange] = field(default_factory=list)
    # Why a WIP limit was knowingly exceeded, by the class of the item that passed it.
    override_reasons: dict[ClassOfService, tuple[str, ...]] = field(default_factory=dict)
    # Until this local time, people start new work before finishing (a morning triage round).
    start_first_until: time | None = None
    outage: Outage | None = None  # what the outage day does to the arrivals
    # Demand alert thresholds the manager changed from the defaults (`domain.demand`).
    alert_thresholds: dict[str, float] = field(default_factory=dict)

    def activity(self, stage: str) -> Activity | None:
        for activity in self.activities:
            if activity.stage == stage:
                return activity
        return None
