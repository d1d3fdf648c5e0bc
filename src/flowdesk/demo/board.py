"""The simulation's own copy of a board: where each card is and the counts WIP limits read.

The simulation decides with the domain's own rules (`check_move`, `check_assign`) over these
counts, so it only asks the use cases for moves they will accept. The use cases still check
every move against the database; a disagreement would raise, never pass silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from flowdesk.demo.arrivals import Arrival
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import LimitViolation
from flowdesk.domain.items import WorkItem
from flowdesk.domain.wip import WipCounts, check_assign, check_move
from flowdesk.domain.workflow import Phase, Service, Stage


class State(Enum):
    QUEUED = "queued"  # in a queue stage, waiting to be pulled
    WAITING = "waiting"  # in an activity, not being worked (unblocked, or rework)
    WORKING = "working"
    BLOCKED = "blocked"
    FINISHED = "finished"  # work done; waits in the activity for room downstream
    CLOSED = "closed"  # done or discarded


@dataclass(eq=False)
class Card:
    """One work item as the simulation sees it."""

    item: WorkItem  # as the use cases last returned it
    arrival: Arrival
    state: State = State.QUEUED
    owner: str | None = None
    remaining: float | None = None  # hours of work left in the current activity visit
    block_after: float | None = None  # hours into the remaining work when a blocker strikes
    blocked_here: bool = False  # one blocker per activity visit
    rework: bool = False  # a second pass: less work
    ready_at: datetime | None = None  # not to be pulled before (an outside wait)
    last_worker: str = ""
    discard_reason: str | None = None
    reopen_tries: int = 0

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def stage_id(self) -> int:
        return self.item.stage_id


@dataclass
class Board:
    service: Service
    cards: dict[int, list[Card]] = field(default_factory=dict)  # stage id -> cards, in order
    by_stage: dict[int, int] = field(default_factory=dict)
    by_class: dict[ClassOfService, int] = field(default_factory=dict)
    by_person: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stage in self.service.stages:
            self.cards.setdefault(stage.id, [])
            self.by_stage.setdefault(stage.id, 0)

    def stage(self, stage_id: int) -> Stage:
        return self.service.stage(stage_id)

    def named(self, name: str) -> Stage:
        for stage in self.service.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    def next_stage(self, stage_id: int) -> Stage:
        stages = self.service.stages
        index = next(i for i, s in enumerate(stages) if s.id == stage_id)
        return stages[index + 1]

    def first(self, phase: Phase) -> Stage:
        return self.service.first_stage(phase)

    def counts(self) -> WipCounts:
        return WipCounts(self.by_stage, self.by_class, self.by_person)

    def violations(self, card: Card, to_stage: Stage,
                   new_owner: str | None = None) -> list[LimitViolation]:
        """Every limit moving the card (and then assigning `new_owner`) would exceed."""
        counts = self.counts()
        found = check_move(self.service, card.item, self.stage(card.stage_id), to_stage, counts)
        if new_owner is not None:
            found += check_assign(self.service, to_stage, new_owner, counts)
        return found

    def add(self, card: Card) -> None:
        self.cards[card.stage_id].append(card)
        self.by_stage[card.stage_id] += 1

    def moved(self, card: Card, before: WorkItem) -> None:
        """Follow a move the use cases made: `before` is the item as it was."""
        self.cards[before.stage_id].remove(card)
        self.by_stage[before.stage_id] -= 1
        self.cards[card.stage_id].append(card)
        self.by_stage[card.stage_id] += 1
        was = self.stage(before.stage_id).phase is Phase.COMMITTED
        now = self.stage(card.stage_id).phase is Phase.COMMITTED
        if was != now:
            step = 1 if now else -1
            self.by_class[card.item.cos] = self.by_class.get(card.item.cos, 0) + step
            for person in card.item.assignees:
                self.by_person[person] = self.by_person.get(person, 0) + step

    def assigned(self, card: Card, person: str) -> None:
        if self.stage(card.stage_id).phase is Phase.COMMITTED:
            self.by_person[person] = self.by_person.get(person, 0) + 1
