"""WIP limits: hard at pull time, by stage, stage group, class of service and person.

The rules only decide. The use case loads the counts (inside a locked transaction) and
either refuses the move or records an override.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import LimitViolation
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Phase, Service, Stage


@dataclass(frozen=True)
class WipCounts:
    """Current counts. Blocked items count like any other: they still hold capacity."""

    by_stage: dict[int, int] = field(default_factory=dict)
    by_class: dict[ClassOfService, int] = field(default_factory=dict)  # committed phase
    by_person: dict[str, int] = field(default_factory=dict)  # committed phase

    def in_stages(self, stage_ids: frozenset[int]) -> int:
        return sum(self.by_stage.get(s, 0) for s in stage_ids)


def check_move(service: Service, item: WorkItem, from_stage: Stage, to_stage: Stage,
               counts: WipCounts) -> list[LimitViolation]:
    """Every limit the move would take past its maximum. Empty means the move fits."""
    if from_stage.id == to_stage.id or not to_stage.phase.is_open:
        return []
    policy = service.class_policy(item.cos)
    violations = _stage_violations(service, item, from_stage.id, to_stage, counts)
    entering_commitment = (
        to_stage.phase is Phase.COMMITTED and from_stage.phase is not Phase.COMMITTED
    )
    if entering_commitment:
        count = counts.by_class.get(item.cos, 0)
        if policy.wip_limit is not None and count >= policy.wip_limit:
            violations.append(LimitViolation(
                "class_of_service", item.cos.label, policy.wip_limit, count,
                f"{item.cos.label} items in the committed phase of {service.name}",
            ))
        for person in item.assignees:
            violations.extend(_person_violation(service, person, counts))
    return violations


def check_arrival(service: Service, item: WorkItem, stage: Stage,
                  counts: WipCounts) -> list[LimitViolation]:
    """Every limit a new item arriving in `stage` would take past its maximum.

    New work arrives upstream, so only stage and stage-group limits can apply."""
    return _stage_violations(service, item, None, stage, counts)


def _stage_violations(service: Service, item: WorkItem, from_stage_id: int | None,
                      to_stage: Stage, counts: WipCounts) -> list[LimitViolation]:
    """The stage and stage-group limits entering `to_stage` would exceed."""
    if service.class_policy(item.cos).may_exceed_stage_limits:
        return []
    violations: list[LimitViolation] = []
    count = counts.by_stage.get(to_stage.id, 0)
    if not to_stage.has_room(count):
        assert to_stage.wip_limit is not None
        violations.append(LimitViolation(
            "stage", to_stage.name, to_stage.wip_limit, count,
            f"all items in stage '{to_stage.name}'",
        ))
    for group in service.groups_containing(to_stage.id):
        if group.wip_limit is None or from_stage_id in group.stage_ids:
            continue  # moving inside a group leaves its total unchanged
        count = counts.in_stages(group.stage_ids)
        if count >= group.wip_limit:
            names = ", ".join(s.name for s in service.stages if s.id in group.stage_ids)
            violations.append(LimitViolation(
                "stage_group", group.name, group.wip_limit, count,
                f"all items in stages {names}",
            ))
    return violations


def check_assign(service: Service, stage: Stage, person: str,
                 counts: WipCounts) -> list[LimitViolation]:
    """Assigning committed work to someone counts against their personal limit."""
    if stage.phase is not Phase.COMMITTED:
        return []
    return _person_violation(service, person, counts)


def _person_violation(service: Service, person: str, counts: WipCounts) -> list[LimitViolation]:
    limit = service.person_wip_limit
    count = counts.by_person.get(person, 0)
    if limit is None or count < limit:
        return []
    return [LimitViolation(
        "person", person, limit, count, f"committed items assigned to {person} in {service.name}"
    )]


@dataclass(frozen=True)
class PersonalLoad:
    """A person's committed work in every service, against their own limit (set on the user,
    counted across services)."""

    username: str
    limit: int
    by_service: dict[str, int] = field(default_factory=dict)  # service key -> items

    @property
    def count(self) -> int:
        return sum(self.by_service.values())

    def where(self) -> str:
        return ", ".join(f"{n} in {key}" for key, n in sorted(self.by_service.items())) or "none"


def check_personal(loads: list[PersonalLoad]) -> list[LimitViolation]:
    """Each person whose own limit one more committed item would exceed, naming where their
    work is."""
    return [
        LimitViolation("person", load.username, load.limit, load.count,
                       f"committed items assigned to {load.username} across all services "
                       f"({load.where()})")
        for load in loads if load.count >= load.limit
    ]
