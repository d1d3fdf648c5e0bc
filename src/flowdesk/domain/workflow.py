"""A service's workflow: ordered stages, each in a phase, with limits and policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flowdesk.domain.classes import ClassOfService, ClassPolicy, default_class_policies
from flowdesk.domain.errors import Conflict, InvalidInput, NotFound


class Phase(StrEnum):
    UPSTREAM = "upstream"  # options, not yet committed to
    COMMITTED = "committed"  # between the commitment point and the delivery point
    DONE = "done"  # delivered
    DISCARDED = "discarded"  # an option not taken, or abandoned work

    @property
    def is_open(self) -> bool:
        return self in (Phase.UPSTREAM, Phase.COMMITTED)


class StageKind(StrEnum):
    QUEUE = "queue"  # work waits here
    ACTIVITY = "activity"  # work is being done here


DEFAULT_BLOCKER_CATEGORIES = (
    "customer",
    "vendor",
    "other team",
    "environment",
    "unclear requirement",
    "internal",
)

# The order phases must appear in a workflow.
_PHASE_ORDER = {Phase.UPSTREAM: 0, Phase.COMMITTED: 1, Phase.DONE: 2, Phase.DISCARDED: 3}


@dataclass(frozen=True)
class Stage:
    id: int
    name: str
    phase: Phase
    kind: StageKind
    position: int
    wip_limit: int | None = None
    policy: str = ""

    def has_room(self, count: int) -> bool:
        """True when one more item fits under this stage's limit (or it has none)."""
        return self.wip_limit is None or count < self.wip_limit


@dataclass(frozen=True)
class StageGroup:
    """A CONWIP limit: one limit shared by several consecutive stages."""

    id: int
    name: str
    stage_ids: frozenset[int]
    wip_limit: int | None


@dataclass(frozen=True)
class Service:
    """The value stream a team delivers to its customers."""

    id: int
    key: str
    name: str
    stages: tuple[Stage, ...]
    groups: tuple[StageGroup, ...] = ()
    classes: dict[ClassOfService, ClassPolicy] = field(default_factory=default_class_policies)
    person_wip_limit: int | None = None
    blocker_categories: tuple[str, ...] = DEFAULT_BLOCKER_CATEGORIES
    description: str = ""
    timezone: str = "UTC"  # IANA name: where the team's days begin and end
    # Stages taken out of the workflow: they hold no item and take none, and keep their
    # place and history (`all_stages` puts them back in order for history and charts).
    retired_stages: tuple[Stage, ...] = ()
    # False: work is delivered only from the last committed stage, past every check.
    deliver_from_any_stage: bool = False
    # Opaque: a new value whenever the workflow changes (stages, groups, class policies), so
    # a write that read it can check it is still current before it commits.
    workflow_token: str = ""
    archived_at: datetime | None = None  # set: read-only, left out of the services list
    demo: bool = False  # loaded by `flowdesk demo`, which may remove it
    item_types: tuple[str, ...] = ()  # the types of work a new item is offered

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def stage(self, stage_id: int) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise NotFound(f"stage {stage_id} is not part of service {self.key}", field="stage")

    def named_stage(self, stage_id: int, field: str) -> Stage:
        """The stage a request body names in `field`.

        A stage of another service (or none at all) is bad input in that field, not a missing
        resource: the URL the client called exists."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        for stage in self.retired_stages:
            if stage.id == stage_id:
                raise Conflict(f"stage '{stage.name}' is retired and takes no work",
                               field=field)
        raise InvalidInput(f"stage {stage_id} is not part of service {self.key}", field=field)

    def all_stages(self) -> tuple[Stage, ...]:
        """Every stage the service ever had, retired ones included, in workflow order."""
        return tuple(sorted((*self.stages, *self.retired_stages), key=lambda s: s.position))

    def delivery_stage(self) -> Stage | None:
        """The stage work is delivered from by default: the last committed one."""
        committed = self.stages_in(Phase.COMMITTED)
        return committed[-1] if committed else None

    def may_deliver_from(self, stage: Stage) -> bool:
        """True when work in `stage` may be delivered in one move (straight into done)."""
        return self.deliver_from_any_stage or stage == self.delivery_stage()

    def stages_in(self, phase: Phase) -> list[Stage]:
        return [s for s in self.stages if s.phase is phase]

    def first_stage(self, phase: Phase) -> Stage:
        stages = self.stages_in(phase)
        if not stages:
            raise InvalidInput(f"service {self.key} has no {phase.value} stage", field="stages")
        return stages[0]

    def groups_containing(self, stage_id: int) -> list[StageGroup]:
        return [g for g in self.groups if stage_id in g.stage_ids]

    def class_policy(self, cos: ClassOfService) -> ClassPolicy:
        return self.classes.get(cos) or default_class_policies()[cos]

    def local_date(self, now: datetime) -> date:
        """The date it is in the service's time zone."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def week_start(self, now: datetime) -> datetime:
        """When the team's current week began: Monday 00:00 in the service's timezone, in UTC.

        The team's Monday, not UTC's: in Auckland the week starts on Sunday morning UTC."""
        zone = ZoneInfo(self.timezone)
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
        # Where daylight saving skips midnight, fold=0 reads 00:00 with the old offset: the
        # very instant the day began.
        return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class StageSpec:
    """A stage as someone describes it before it has an id."""

    name: str
    phase: Phase
    kind: StageKind = StageKind.ACTIVITY
    wip_limit: int | None = None
    policy: str = ""


POLICY_MAX = 4_000
"""Explicit policies are short exit criteria; every board shows all of them."""


def validate_workflow(stages: list[StageSpec]) -> None:
    """Check a proposed workflow: phases in order, the needed phases present, names unique.

    Raises InvalidInput naming the problem.
    """
    if not stages:
        raise InvalidInput("a workflow needs at least one stage", field="stages")
    names = [s.name.strip().lower() for s in stages]
    for i, spec in enumerate(stages):
        if not spec.name.strip():
            raise InvalidInput(f"stage {i + 1} has no name", field=f"stages[{i}].name")
        if names.index(names[i]) != i:
            raise InvalidInput(f"stage name '{spec.name}' is used twice", field=f"stages[{i}].name")
        if "\x00" in spec.name or "\x00" in spec.policy:  # no database stores NUL in text
            raise InvalidInput(f"stage {i + 1} contains a NUL character", field=f"stages[{i}]")
        if len(spec.policy) > POLICY_MAX:
            raise InvalidInput(f"a stage policy has at most {POLICY_MAX:,} characters",
                               field=f"stages[{i}].policy")
        if spec.wip_limit is not None and spec.wip_limit < 1:
            raise InvalidInput("a WIP limit must be at least 1", field=f"stages[{i}].wip_limit")
        if spec.wip_limit is not None and not spec.phase.is_open:
            # Finished work holds no capacity, and a limit here would block every delivery.
            raise InvalidInput(f"a {spec.phase.value} stage takes no WIP limit",
                               field=f"stages[{i}].wip_limit")
    order = [_PHASE_ORDER[s.phase] for s in stages]
    if order != sorted(order):
        raise InvalidInput(
            "stages must run upstream, then committed, then done, then discarded",
            field="stages",
        )
    present = {s.phase for s in stages}
    for needed in (Phase.UPSTREAM, Phase.COMMITTED, Phase.DONE):
        if needed not in present:
            raise InvalidInput(f"a workflow needs a {needed.value} stage", field="stages")


def default_workflow() -> list[StageSpec]:
    """A sensible starting workflow for a new service."""
    return [
        StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE, policy="Any request may wait here."),
        StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE, wip_limit=5,
                  policy="Replenished at the Replenishment meeting."),
        StageSpec("In progress", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=4),
        StageSpec("Review", Phase.COMMITTED, StageKind.QUEUE, wip_limit=3),
        StageSpec("Done", Phase.DONE, StageKind.QUEUE),
        StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
    ]
