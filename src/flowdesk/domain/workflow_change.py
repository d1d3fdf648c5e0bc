"""Changing a service's workflow as a whole: the stage list someone proposes, checked against
the workflow it replaces, and what the change does to each stage.

The proposal is the whole ordered list. A stage with an id keeps its identity (and so its
history) whatever it is renamed to; a stage without one is new; `retired` takes a stage out
of the workflow, keeping its events and its place among the others. Retired stages left out
of the list stay retired, where they were. Nothing here reads or writes: the use case checks
which items the change concerns and applies the plan in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowdesk.domain.errors import Conflict, InvalidInput
from flowdesk.domain.workflow import (
    POLICY_MAX,
    Phase,
    Service,
    Stage,
    StageKind,
    StageSpec,
    validate_workflow,
)


class StagesHoldItems(Conflict):
    """A stage to retire, or to move to another phase, still holds items (409)."""

    def __init__(self, message: str, blocking: dict[str, list[str]]) -> None:
        super().__init__(message, field="stages")
        self.blocking = blocking  # stage name -> the keys of the items in it


NAME_MAX = 80
STAGES_MAX = 50


@dataclass(frozen=True)
class StageDraft:
    """One stage of a proposed workflow, as the editor or the API describes it."""

    id: int | None  # None: a new stage
    name: str
    phase: Phase
    kind: StageKind = StageKind.ACTIVITY
    wip_limit: int | None = None
    policy: str = ""
    retired: bool = False


@dataclass(frozen=True)
class PlannedStage:
    """A stage as it will be: `id` None for a new one, `position` its place among all."""

    id: int | None
    name: str
    phase: Phase
    kind: StageKind
    position: int
    wip_limit: int | None
    policy: str
    retired: bool


@dataclass(frozen=True)
class WorkflowPlan:
    stages: tuple[PlannedStage, ...]  # every stage, retired ones included, in order
    changes: tuple[dict[str, Any], ...]  # what changed, for the event and for people
    retiring: tuple[int, ...]  # stages retired now: they must hold no item
    rephased: tuple[int, ...]  # stages whose phase changes: they must hold no item either
    limits_changed: bool  # a WIP limit is set, changed or removed
    policies_changed: tuple[Phase, ...]  # the phases of stages whose policy changes
    group_members_removed: tuple[tuple[int, int], ...]  # (group id, stage id)
    groups_removed: tuple[int, ...]  # CONWIP groups left covering fewer than two stages

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def plan_workflow(service: Service, drafts: list[StageDraft]) -> WorkflowPlan:
    """Check a proposed stage list against the service's workflow and say what it changes.

    Raises InvalidInput naming the field (`stages[i].name`, ...) for a problem with one
    stage, or `stages` for the workflow as a whole: a stage of another service, a stage listed
    twice, a current stage left out, a duplicate or empty name, a limit below 1 or on a
    closed stage, phases out of order, no committed or no done stage.
    """
    if len(drafts) > STAGES_MAX:
        raise InvalidInput(f"a workflow has at most {STAGES_MAX} stages", field="stages")
    known = {s.id: s for s in service.all_stages()}
    seen: set[int] = set()
    for i, draft in enumerate(drafts):
        _check_draft(i, draft)
        if draft.id is None:
            continue
        if draft.id not in known:
            raise InvalidInput(f"stage {draft.id} is not part of service {service.key}",
                               field=f"stages[{i}].id")
        if draft.id in seen:
            raise InvalidInput(f"stage {draft.id} is listed twice", field=f"stages[{i}].id")
        seen.add(draft.id)
    for stage in service.stages:
        if stage.id not in seen:
            raise InvalidInput(
                f"stage '{stage.name}' is missing from the list; send every stage, and "
                "\"retired\": true for one to retire", field="stages")
    _check_names(service, drafts)
    active = [d for d in drafts if not d.retired]
    if not active:
        raise InvalidInput("a workflow needs at least one stage that is not retired",
                           field="stages")
    validate_workflow([StageSpec(d.name.strip(), d.phase, d.kind, d.wip_limit, d.policy)
                       for d in active])
    planned = _positions(service, drafts)
    return _describe(service, planned)


def _check_draft(i: int, draft: StageDraft) -> None:
    name = draft.name.strip()
    if not name:
        raise InvalidInput(f"stage {i + 1} has no name", field=f"stages[{i}].name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"a stage name has at most {NAME_MAX} characters",
                           field=f"stages[{i}].name")
    if "\x00" in draft.name or "\x00" in draft.policy:  # no database stores NUL in text
        raise InvalidInput(f"stage {i + 1} contains a NUL character", field=f"stages[{i}]")
    if len(draft.policy) > POLICY_MAX:
        raise InvalidInput(f"a stage policy has at most {POLICY_MAX:,} characters",
                           field=f"stages[{i}].policy")
    if draft.id is None and draft.retired:
        raise InvalidInput(f"'{name}' is new: only an existing stage can be retired",
                           field=f"stages[{i}].retired")
    if draft.wip_limit is not None and draft.wip_limit < 1:
        raise InvalidInput(f"the WIP limit of '{name}' must be at least 1 (leave it empty for "
                           "no limit)", field=f"stages[{i}].wip_limit")
    if draft.wip_limit is not None and not draft.phase.is_open and not draft.retired:
        # Finished work holds no capacity, and a limit here would block every delivery.
        raise InvalidInput(f"'{name}' is a {draft.phase.value} stage, which takes no WIP "
                           "limit", field=f"stages[{i}].wip_limit")


def _check_names(service: Service, drafts: list[StageDraft]) -> None:
    """Names are unique in a service, retired stages' names included (they name history)."""
    names: dict[str, int] = {}
    for i, draft in enumerate(drafts):
        folded = draft.name.strip().casefold()
        if folded in names:
            raise InvalidInput(f"stage name '{draft.name.strip()}' is used twice",
                               field=f"stages[{i}].name")
        names[folded] = i
    listed = {d.id for d in drafts if d.id is not None}
    for stage in service.retired_stages:
        if stage.id in listed:
            continue
        folded = stage.name.casefold()
        if folded in names:
            i = names[folded]
            raise InvalidInput(
                f"'{stage.name}' is the name of a retired stage; choose another name, or "
                "send that stage's id to bring it back", field=f"stages[{i}].name")


def _positions(service: Service, drafts: list[StageDraft]) -> list[tuple[Stage | None,
                                                                          StageDraft]]:
    """The new order of every stage: the list as given, with each retired stage it leaves
    out kept right after the stage it followed before (its place in cumulative flow)."""
    known = {s.id: s for s in service.all_stages()}
    order: list[tuple[Stage | None, StageDraft]] = [
        (None if d.id is None else known[d.id], d) for d in drafts]
    listed = {d.id for d in drafts if d.id is not None}
    anchor: int | None = None  # the id of the stage the next kept one goes after
    for stage in service.all_stages():
        if stage.id in listed:
            anchor = stage.id
            continue
        kept = StageDraft(stage.id, stage.name, stage.phase, stage.kind, stage.wip_limit,
                          stage.policy, retired=True)
        at = 0 if anchor is None else next(
            i for i, (old, _) in enumerate(order) if old is not None and old.id == anchor) + 1
        order.insert(at, (stage, kept))
        anchor = stage.id
    return order


def _describe(service: Service, order: list[tuple[Stage | None, StageDraft]]) -> WorkflowPlan:
    planned: list[PlannedStage] = []
    changes: list[dict[str, Any]] = []
    retiring: list[int] = []
    rephased: list[int] = []
    limits = False
    policies: set[Phase] = set()
    old_active = [s.id for s in service.stages]
    new_active = [old.id for old, d in order if old is not None and not d.retired
                  and old.id in old_active]
    kept_order = [i for i in old_active if i in new_active]
    for position, (old, d) in enumerate(order):
        name = d.name.strip()
        planned.append(PlannedStage(None if old is None else old.id, name, d.phase, d.kind,
                                    position, d.wip_limit, d.policy, d.retired))
        if old is None:
            changes.append({"change": "added", "stage": name, "phase": d.phase.value,
                            "kind": d.kind.value, "limit": d.wip_limit})
            limits = limits or d.wip_limit is not None
            if d.policy:
                policies.add(d.phase)
            continue
        was_retired = old in service.retired_stages
        if d.retired and not was_retired:
            changes.append({"change": "retired", "stage": name, "stage_id": old.id})
            retiring.append(old.id)
        elif was_retired and not d.retired:
            changes.append({"change": "restored", "stage": name, "stage_id": old.id})
        if name != old.name:
            changes.append({"change": "renamed", "stage_id": old.id, "old": old.name,
                            "new": name})
        for what, before, after in (("phase", old.phase.value, d.phase.value),
                                    ("kind", old.kind.value, d.kind.value),
                                    ("limit", old.wip_limit, d.wip_limit)):
            if before != after:
                changes.append({"change": what, "stage": name, "stage_id": old.id,
                                "old": before, "new": after})
        if old.phase is not d.phase and not d.retired:
            rephased.append(old.id)
        if old.wip_limit != d.wip_limit:
            limits = True
        if old.policy != d.policy:
            changes.append({"change": "policy", "stage": name, "stage_id": old.id,
                            "old": old.policy, "new": d.policy})
            policies.update({old.phase, d.phase})
    if kept_order != new_active:
        changes.append({"change": "reordered",
                        "old": [service.stage(i).name for i in old_active],
                        "new": [p.name for p in planned if not p.retired]})
    removed_members, removed_groups = _groups(service, planned)
    for group_id in removed_groups:
        group = next(g for g in service.groups if g.id == group_id)
        changes.append({"change": "group_removed", "group": group.name})
    return WorkflowPlan(tuple(planned), tuple(changes), tuple(retiring), tuple(rephased),
                        limits, tuple(sorted(policies)), removed_members, removed_groups)


def _groups(service: Service, planned: list[PlannedStage]) -> tuple[tuple[tuple[int, int], ...],
                                                                     tuple[int, ...]]:
    """What becomes of the CONWIP groups: a retired stage leaves its groups, a group left
    with fewer than two stages goes; the rest must still cover consecutive open stages."""
    active = [p for p in planned if not p.retired]
    place = {p.id: i for i, p in enumerate(active) if p.id is not None}
    removed_members: list[tuple[int, int]] = []
    removed_groups: list[int] = []
    for group in service.groups:
        left = sorted(place[s] for s in group.stage_ids if s in place)
        removed_members += [(group.id, s) for s in sorted(group.stage_ids) if s not in place]
        if len(left) < 2:
            removed_groups.append(group.id)
            continue
        if left != list(range(left[0], left[0] + len(left))):
            raise InvalidInput(f"stage group '{group.name}' would cover stages that are not "
                               "next to each other; keep its stages together", field="stages")
        if any(not active[i].phase.is_open for i in left):
            raise InvalidInput(f"stage group '{group.name}' would cover a closed stage",
                               field="stages")
    return tuple(removed_members), tuple(removed_groups)


def drafts_restoring(service: Service, stage_id: int) -> list[StageDraft]:
    """The workflow as it is, with one retired stage back in its old place (before the first
    stage that stood after it)."""
    stage = next((s for s in service.retired_stages if s.id == stage_id), None)
    if stage is None:
        raise InvalidInput("that is not a retired stage of this service", "stage_id")
    active = list(service.stages)
    at = next((i for i, s in enumerate(active) if s.position > stage.position), len(active))
    active.insert(at, stage)
    return [StageDraft(s.id, s.name, s.phase, s.kind, s.wip_limit, s.policy) for s in active]
