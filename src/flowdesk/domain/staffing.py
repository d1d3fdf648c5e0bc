"""Load per service, and staffing suggestions: whom to lend from a service with slack to an
overloaded one, and why.

Pure functions of plain inputs: each service's demand (open committed WIP, arrivals the
baseline expects, items at risk), the people (see ``flowdesk.domain.skills``) and the
skills each service's work needs. The use case gathers them; nothing here reads a clock.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.skills import Level, Person

# Score weights. A suggestion's score is the sum of the parts that apply, so its reasons
# say what put it where it is in the list.
URGENCY = 4.0  # times the target's shortfall (plus items at risk) over its demand, up to 1
GAP = 3.0  # nobody available in the target can do the skill alone
PAIR = 2.0  # an expert takes a learner along: the work gets done and the skill spreads
TEACHER = 1.0  # the lead person can teach the skill (level 3), not only do it
ROOM = 0.5  # per item the person with the least room can still pull, up to three
SLACK = 1.0  # times the lender's capacity left above its demand over its capacity


def _n(value: float) -> str:
    """Return a number as people write it: 12, 7.5."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ServiceDemand:
    """What a service has to do: committed items not yet delivered, the arrivals the
    baseline expects today and over the coming working days, and items at risk of
    missing their agreement."""

    service: str
    open_wip: int
    expected: float
    at_risk: int = 0

    def __post_init__(self) -> None:
        if self.open_wip < 0:
            raise InvalidInput("open WIP cannot be negative", "open_wip")
        if not (math.isfinite(self.expected) and self.expected >= 0):
            raise InvalidInput("expected arrivals must be zero or more", "expected")
        if self.at_risk < 0:
            raise InvalidInput("items at risk cannot be negative", "at_risk")


@dataclass(frozen=True)
class Load:
    """A service's demand next to its capacity: what its available people can hold
    under their personal WIP limits (each person's limit split evenly over their home
    services). ``people`` are the available people counted."""

    service: str
    open_wip: int
    expected: float
    at_risk: int
    capacity: float
    people: tuple[str, ...]

    @property
    def demand(self) -> float:
        """Return the work to hold: open WIP plus expected arrivals."""
        return self.open_wip + self.expected

    @property
    def slack(self) -> float:
        """Return capacity minus demand (negative when short)."""
        return self.capacity - self.demand

    @property
    def overloaded(self) -> bool:
        """Return whether demand exceeds capacity or items are at risk."""
        return self.demand > self.capacity or self.at_risk > 0

    @property
    def sentence(self) -> str:
        at_risk = f", and {self.at_risk} items at risk" if self.at_risk else ""
        return (f"{self.service} has {_n(self.demand)} items of work ({self.open_wip} open, "
                f"{_n(self.expected)} expected) against a capacity of {_n(self.capacity)}"
                f"{at_risk}.")


def service_loads(demands: Iterable[ServiceDemand], people: Iterable[Person]) -> dict[str, Load]:
    """Return the load of each service, keyed by service."""
    capacity: dict[str, float] = defaultdict(float)
    members: dict[str, list[str]] = defaultdict(list)
    for person in people:
        if person.available:  # someone away holds no capacity today
            for service in person.home_services:
                capacity[service] += person.share
                members[service].append(person.username)
    return {d.service: Load(d.service, d.open_wip, d.expected, d.at_risk, capacity[d.service],
                            tuple(sorted(members[d.service])))
            for d in demands}


@dataclass(frozen=True)
class Suggestion:
    """Lend ``people`` (an expert and a learner, or one person) from one service to
    another for a skill; the reasons are sentences and the score ranks suggestions."""

    people: tuple[str, ...]
    from_service: str
    to_service: str
    skill: str
    reasons: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class _Candidate:
    score: float
    target: str
    lender: str
    skill: str
    people: tuple[Person, ...]
    gap: bool

    @property
    def key(self) -> tuple[float, str, str, str, tuple[str, ...]]:
        return (-self.score, self.target, self.lender, self.skill,
                tuple(p.username for p in self.people))


def suggest_staffing(loads: Mapping[str, Load], people: Iterable[Person],
                     needed: Mapping[str, Iterable[str]]) -> list[Suggestion]:
    """Return staffing suggestions, best first, that can all be followed together.

    For an overloaded service, a suggestion lends someone from a service that is not
    overloaded and has slack: someone who can do a skill the target needs alone (level
    2+), is available, is below their personal WIP limit and does not already belong to
    the target; or such an expert at level 3 with a learner at level 1 (a pair). The
    lender must keep a capacity of at least its demand once the people leave (a
    person's capacity share of the lender goes with them).

    Candidates are taken best score first, skipping one whose people are already lent,
    whose lender would be left short by the ones taken before, or whose target already
    has the capacity it lacked (one suggestion still goes to a service overloaded only
    by items at risk). No service overloaded, no suggestions.
    """
    listed = list(people)
    targets = sorted(s for s, load in loads.items() if load.overloaded)
    lenders = sorted(s for s, load in loads.items() if not load.overloaded and load.slack > 0)
    if not targets or not lenders:
        return []
    pullers: dict[tuple[str, str], list[Person]] = defaultdict(list)
    covered: dict[str, set[str]] = defaultdict(set)  # skills done alone by someone present
    for person in listed:
        for service in person.home_services:
            if person.available:
                covered[service].update(s for s in person.skills if person.can_do(s))
            if person.can_take_more:  # never anyone away or at their personal limit
                for skill, level in person.skills.items():
                    if level >= Level.LEARNING:
                        pullers[service, skill].append(person)
    candidates = [
        candidate
        for target in targets
        for skill in sorted(set(needed.get(target, ())))
        for lender in lenders
        for candidate in _candidates(loads, target, lender, skill,
                                     pullers.get((lender, skill), []),
                                     skill not in covered[target])
    ]
    return [_suggestion(loads, c, keeps) for c, keeps in _plan(loads, candidates)]


def _candidates(loads: Mapping[str, Load], target: str, lender: str, skill: str,
                pool: Sequence[Person], gap: bool) -> list[_Candidate]:
    """Return the singles and expert-learner pairs one lender could send for a skill."""
    here = [p for p in pool if target not in p.home_services]
    able = [p for p in here if p.can_do(skill)]
    learners = [p for p in here if p.level(skill) == Level.LEARNING]
    groups: list[tuple[Person, ...]] = [(p,) for p in able]
    groups += [(e, learner) for e in able if e.level(skill) == Level.TEACHES
               for learner in learners]
    out = []
    for group in groups:
        left = loads[lender].slack - sum(p.share for p in group)
        if left < 0:  # lending must not overload the lender
            continue
        out.append(_Candidate(_score(loads[target], loads[lender], group, skill, gap, left),
                              target, lender, skill, group, gap))
    return out


def _score(target: Load, lender: Load, group: tuple[Person, ...], skill: str, gap: bool,
           left: float) -> float:
    short = max(0.0, target.demand - target.capacity) + target.at_risk
    score = URGENCY * min(1.0, short / max(target.demand, 1.0))
    score += GAP if gap else 0.0
    score += PAIR if len(group) == 2 else 0.0
    score += TEACHER if group[0].level(skill) == Level.TEACHES else 0.0
    score += ROOM * min(3, min(p.room for p in group))
    return score + SLACK * min(1.0, left / max(lender.capacity, 1.0))


def _plan(loads: Mapping[str, Load],
          candidates: list[_Candidate]) -> list[tuple[_Candidate, float]]:
    """Return the candidates taken, best first, so that all of them fit together, each
    with the capacity its lender keeps once it and the ones before it are followed."""
    lent: set[str] = set()
    moved_out: dict[str, float] = defaultdict(float)
    moved_in: dict[str, float] = defaultdict(float)
    helped: set[str] = set()
    taken = []
    for candidate in sorted(candidates, key=lambda c: c.key):
        names = {p.username for p in candidate.people}
        shares = sum(p.share for p in candidate.people)
        lender, target = loads[candidate.lender], loads[candidate.target]
        if names & lent or lender.slack - moved_out[lender.service] - shares < 0:
            continue
        if target.service in helped and target.demand <= target.capacity + moved_in[
                target.service]:
            continue
        lent |= names
        moved_out[lender.service] += shares
        taken.append((candidate, lender.capacity - moved_out[lender.service]))
        moved_in[target.service] += shares
        helped.add(target.service)
    return taken


def _suggestion(loads: Mapping[str, Load], c: _Candidate, keeps: float) -> Suggestion:
    target, lender = loads[c.target], loads[c.lender]
    lead = c.people[0]
    reasons = [f"{c.target} is overloaded and {c.lender} has slack.", target.sentence]
    if c.gap:
        reasons.append(f"Nobody available in {c.target} can do {c.skill} alone.")
    can = "can teach" if lead.level(c.skill) == Level.TEACHES else "can do"
    reasons.append(f"{lead.name} {can} {c.skill} (level {int(lead.level(c.skill))}) and "
                   f"can pull {lead.room} more items ({lead.wip} of {lead.wip_limit}).")
    if len(c.people) == 2:
        learner = c.people[1]
        reasons.append(f"{learner.name} is learning {c.skill} (level 1) and goes along with "
                       f"{lead.name}: an expert with a learner gets the work done and spreads "
                       f"the skill.")
    reasons.append(f"{c.lender} keeps a capacity of {_n(keeps)} for {_n(lender.demand)} items "
                   f"of work, so lending does not overload it.")
    return Suggestion(tuple(p.username for p in c.people), c.lender, c.target, c.skill,
                      tuple(reasons), round(c.score, 3))
