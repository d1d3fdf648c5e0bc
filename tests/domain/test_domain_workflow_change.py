"""A proposed workflow, checked as a whole against the one it replaces (no database)."""

from __future__ import annotations

import pytest

from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.workflow import Phase, Service, Stage, StageGroup, StageKind
from flowdesk.domain.workflow_change import StageDraft, drafts_restoring, plan_workflow

U, C, D, X = Phase.UPSTREAM, Phase.COMMITTED, Phase.DONE, Phase.DISCARDED
Q, A = StageKind.QUEUE, StageKind.ACTIVITY


def claims(groups: tuple[StageGroup, ...] = (), retired: tuple[Stage, ...] = ()) -> Service:
    stages = (Stage(1, "Options", U, Q, 0), Stage(2, "Assess", C, A, 1, wip_limit=3),
              Stage(3, "Settle", C, A, 3), Stage(4, "Done", D, Q, 4),
              Stage(5, "Discarded", X, Q, 5))
    return Service(7, "CLM", "Claims", stages, groups=groups, retired_stages=retired)


def same(service: Service) -> list[StageDraft]:
    return [StageDraft(s.id, s.name, s.phase, s.kind, s.wip_limit, s.policy)
            for s in service.stages]


def refused(service: Service, drafts: list[StageDraft]) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        plan_workflow(service, drafts)
    return caught.value


def test_the_current_workflow_proposed_again_changes_nothing() -> None:
    plan = plan_workflow(claims(), same(claims()))
    assert not plan.changed
    assert [p.id for p in plan.stages] == [1, 2, 3, 4, 5]


def test_a_stage_without_an_id_is_added_where_it_is_listed() -> None:
    drafts = same(claims())
    drafts.insert(3, StageDraft(None, "Approval", C, Q))
    plan = plan_workflow(claims(), drafts)
    assert [p.name for p in plan.stages] == ["Options", "Assess", "Settle", "Approval", "Done",
                                             "Discarded"]
    assert [p.position for p in plan.stages] == [0, 1, 2, 3, 4, 5]
    assert plan.changes == ({"change": "added", "stage": "Approval", "phase": "committed",
                             "kind": "queue", "limit": None},)
    assert not plan.limits_changed


def test_a_rename_keeps_the_stage_and_says_so() -> None:
    drafts = same(claims())
    drafts[2] = StageDraft(3, "Pay out", C, A)
    plan = plan_workflow(claims(), drafts)
    assert plan.stages[2].id == 3 and plan.stages[2].name == "Pay out"
    assert plan.changes == ({"change": "renamed", "stage_id": 3, "old": "Settle",
                             "new": "Pay out"},)


def test_a_retired_stage_left_out_later_keeps_its_place() -> None:
    retired = Stage(9, "Triage", C, Q, 2)
    service = claims(retired=(retired,))
    drafts = same(service)
    drafts[1], drafts[2] = drafts[2], drafts[1]  # Settle before Assess now
    plan = plan_workflow(service, drafts)
    assert [p.name for p in plan.stages] == ["Options", "Settle", "Assess", "Triage", "Done",
                                             "Discarded"]
    assert plan.stages[3].retired
    assert plan.changes[-1]["change"] == "reordered"


def test_retiring_says_which_stage_must_be_empty() -> None:
    drafts = same(claims())
    drafts[2] = StageDraft(3, "Settle", C, A, retired=True)
    plan = plan_workflow(claims(), drafts)
    assert plan.retiring == (3,)
    assert plan.stages[2].retired


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda d: d.__setitem__(1, StageDraft(2, "Settle", C, A)), "stages[2].name", "used twice"),
    (lambda d: d.__setitem__(1, StageDraft(2, "  ", C, A)), "stages[1].name", "no name"),
    (lambda d: d.__setitem__(1, StageDraft(2, "Assess", C, A, wip_limit=-1)),
     "stages[1].wip_limit", "at least 1"),
    (lambda d: d.__setitem__(3, StageDraft(4, "Done", D, Q, wip_limit=3)),
     "stages[3].wip_limit", "takes no WIP limit"),
    (lambda d: d.__setitem__(1, StageDraft(2, "Assess", U, A)) or
     d.__setitem__(2, StageDraft(3, "Settle", U, A)), "stages", "committed stage"),
    (lambda d: d.__setitem__(3, StageDraft(4, "Done", D, Q, retired=True)), "stages",
     "done stage"),
    (lambda d: d.reverse(), "stages", "upstream, then committed"),
    (lambda d: d.pop(2), "stages", "'Settle' is missing"),
    (lambda d: d.append(StageDraft(2, "Again", X, Q)), "stages[5].id", "listed twice"),
    (lambda d: d.append(StageDraft(99, "Elsewhere", X, Q)), "stages[5].id", "not part of"),
    (lambda d: d.insert(1, StageDraft(None, "New", U, Q, retired=True)), "stages[1].retired",
     "only an existing stage"),
], ids=["duplicate name", "empty name", "limit below 0", "limit on done", "no committed",
        "no done", "out of order", "a stage left out", "listed twice", "another service's",
        "new and retired"])
def test_a_bad_workflow_is_refused_naming_the_field(change, field: str, words: str) -> None:
    drafts = same(claims())
    change(drafts)
    error = refused(claims(), drafts)
    assert error.field == field
    assert words in error.message


def test_a_new_stage_may_not_take_a_retired_stages_name() -> None:
    service = claims(retired=(Stage(9, "Triage", C, Q, 2),))
    drafts = same(service)
    drafts.insert(1, StageDraft(None, "triage", C, Q))
    error = refused(service, drafts)
    assert error.field == "stages[1].name" and "retired stage" in error.message


def test_a_retired_stage_leaves_its_group_and_a_group_of_one_goes() -> None:
    group = StageGroup(11, "Doing", frozenset({2, 3}), 4)
    service = claims(groups=(group,))
    drafts = same(service)
    drafts[2] = StageDraft(3, "Settle", C, A, retired=True)
    plan = plan_workflow(service, drafts)
    assert plan.group_members_removed == ((11, 3),)
    assert plan.groups_removed == (11,)
    assert {"change": "group_removed", "group": "Doing"} in plan.changes


def test_a_reorder_that_splits_a_group_is_refused() -> None:
    group = StageGroup(11, "Doing", frozenset({1, 2}), 4)
    service = claims(groups=(group,))
    drafts = same(service)
    drafts.insert(1, StageDraft(None, "Ready", U, Q))
    error = refused(service, drafts)
    assert "'Doing'" in error.message


def test_a_changed_limit_and_policy_say_which_rights_they_need() -> None:
    drafts = same(claims())
    drafts[1] = StageDraft(2, "Assess", C, A, wip_limit=5, policy="Pull the oldest first.")
    plan = plan_workflow(claims(), drafts)
    assert plan.limits_changed
    assert plan.policies_changed == (C,)


def test_a_retired_stage_is_restored_before_the_first_stage_that_stood_after_it() -> None:
    service = claims(retired=(Stage(9, "Triage", C, Q, 2, wip_limit=4, policy="Sort first"),))
    drafts = drafts_restoring(service, 9)
    assert [d.name for d in drafts] == ["Options", "Assess", "Triage", "Settle", "Done",
                                        "Discarded"]
    assert drafts[2] == StageDraft(9, "Triage", C, Q, 4, "Sort first")
    plan = plan_workflow(service, drafts)
    assert {"change": "restored", "stage": "Triage", "stage_id": 9} in plan.changes
    with pytest.raises(InvalidInput) as caught:
        drafts_restoring(service, 2)  # a stage in use, not a retired one
    assert caught.value.field == "stage_id"
