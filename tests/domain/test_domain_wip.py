"""WIP limits: hard at pull time, by stage, stage group (CONWIP), class of service, person."""

from __future__ import annotations

from domain_builders import DISCARDED, DOING, DONE, READY, REVIEW, claim, claims_service

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import LimitViolation
from flowdesk.domain.items import WorkItem
from flowdesk.domain.wip import WipCounts, check_assign, check_move
from flowdesk.domain.workflow import Service, StageGroup


def violations(service: Service, item: WorkItem, to_id: int,
               counts: WipCounts) -> list[LimitViolation]:
    return check_move(service, item, service.stage(item.stage_id), service.stage(to_id), counts)


def test_a_pull_into_a_stage_with_room_fits() -> None:
    service = claims_service(doing_limit=2)
    assert violations(service, claim(READY), DOING, WipCounts(by_stage={DOING: 1})) == []


def test_a_pull_into_a_full_stage_is_refused_naming_stage_limit_and_count() -> None:
    service = claims_service(doing_limit=2)
    [v] = violations(service, claim(READY), DOING, WipCounts(by_stage={DOING: 2}))
    assert (v.scope, v.name, v.limit, v.count) == ("stage", "In progress", 2, 2)
    assert "In progress" in v.message and "2 of 2" in v.message


def test_a_move_between_committed_stages_respects_the_target_limit() -> None:
    service = claims_service(review_limit=1)
    [v] = violations(service, claim(DOING), REVIEW, WipCounts(by_stage={REVIEW: 1}))
    assert v.name == "Review"


def test_blocked_items_still_count_toward_the_stage_limit() -> None:
    # The counts come from every item in the stage; a blocked one holds its place like any
    # other, so two cards (one of them blocked) fill a limit of two.
    service = claims_service(doing_limit=2)
    assert violations(service, claim(READY), DOING, WipCounts(by_stage={DOING: 2}))


def test_a_reorder_within_a_full_stage_is_never_refused() -> None:
    service = claims_service(doing_limit=1)
    assert violations(service, claim(DOING), DOING, WipCounts(by_stage={DOING: 5})) == []


def test_delivering_and_discarding_ignore_limits() -> None:
    service = claims_service()
    counts = WipCounts(by_stage={DONE: 10_000, DISCARDED: 10_000})
    assert violations(service, claim(REVIEW), DONE, counts) == []
    assert violations(service, claim(REVIEW), DISCARDED, counts) == []


def test_a_conwip_group_refuses_entry_when_its_stages_hold_the_limit_together() -> None:
    group = StageGroup(1, "Doing + Review", frozenset({DOING, REVIEW}), wip_limit=3)
    service = claims_service(doing_limit=None, review_limit=None, groups=(group,))
    counts = WipCounts(by_stage={DOING: 1, REVIEW: 2})
    [v] = violations(service, claim(READY), DOING, counts)
    assert (v.scope, v.name, v.limit, v.count) == ("stage_group", "Doing + Review", 3, 3)
    assert "In progress" in v.covers and "Review" in v.covers


def test_moving_inside_a_conwip_group_does_not_count_against_it() -> None:
    group = StageGroup(1, "Doing + Review", frozenset({DOING, REVIEW}), wip_limit=3)
    service = claims_service(doing_limit=None, review_limit=None, groups=(group,))
    counts = WipCounts(by_stage={DOING: 1, REVIEW: 2})
    assert violations(service, claim(DOING), REVIEW, counts) == []


def test_a_conwip_group_without_a_limit_refuses_nothing() -> None:
    group = StageGroup(1, "Doing + Review", frozenset({DOING, REVIEW}), wip_limit=None)
    service = claims_service(doing_limit=None, review_limit=None, groups=(group,))
    assert violations(service, claim(READY), DOING, WipCounts(by_stage={DOING: 99})) == []


def test_expedite_has_a_default_limit_of_one_across_the_committed_phase() -> None:
    service = Service(1, "CLM", "Claims", claims_service().stages)
    assert service.class_policy(ClassOfService.EXPEDITE).wip_limit == 1
    urgent = claim(READY, cos=ClassOfService.EXPEDITE)
    counts = WipCounts(by_class={ClassOfService.EXPEDITE: 1})
    [v] = violations(service, urgent, DOING, counts)
    assert (v.scope, v.limit, v.count) == ("class_of_service", 1, 1)


def test_the_first_expedite_fits() -> None:
    urgent = claim(READY, cos=ClassOfService.EXPEDITE)
    assert violations(claims_service(), urgent, DOING, WipCounts()) == []


def test_an_expedite_item_may_pass_a_full_stage() -> None:
    service = claims_service(doing_limit=2)
    urgent = claim(READY, cos=ClassOfService.EXPEDITE)
    assert violations(service, urgent, DOING, WipCounts(by_stage={DOING: 2})) == []


def test_an_expedite_item_may_pass_a_full_conwip_group() -> None:
    group = StageGroup(1, "Doing + Review", frozenset({DOING, REVIEW}), wip_limit=1)
    service = claims_service(groups=(group,))
    urgent = claim(READY, cos=ClassOfService.EXPEDITE)
    assert violations(service, urgent, DOING, WipCounts(by_stage={REVIEW: 1})) == []


def test_a_standard_item_may_not_pass_a_full_stage() -> None:
    service = claims_service(doing_limit=2)
    assert violations(service, claim(READY), DOING, WipCounts(by_stage={DOING: 2}))


def test_the_class_limit_applies_only_when_entering_the_committed_phase() -> None:
    service = claims_service(expedite_limit=1)
    urgent = claim(DOING, cos=ClassOfService.EXPEDITE)
    counts = WipCounts(by_class={ClassOfService.EXPEDITE: 1})
    assert violations(service, urgent, REVIEW, counts) == []


def test_a_person_at_their_limit_refuses_a_pull_of_their_item() -> None:
    service = claims_service(person_limit=2)
    item = claim(READY, assignees=("amira",))
    [v] = violations(service, item, DOING, WipCounts(by_person={"amira": 2}))
    assert (v.scope, v.name, v.limit, v.count) == ("person", "amira", 2, 2)


def test_a_person_under_their_limit_may_take_more() -> None:
    service = claims_service(person_limit=2)
    item = claim(READY, assignees=("amira",))
    assert violations(service, item, DOING, WipCounts(by_person={"amira": 1})) == []


def test_assigning_committed_work_counts_against_the_person_limit() -> None:
    service = claims_service(person_limit=1)
    [v] = check_assign(service, service.stage(DOING), "amira", WipCounts(by_person={"amira": 1}))
    assert v.scope == "person"


def test_assigning_upstream_work_ignores_the_person_limit() -> None:
    service = claims_service(person_limit=1)
    assert check_assign(service, service.stage(READY), "amira",
                        WipCounts(by_person={"amira": 5})) == []


def test_every_exceeded_limit_is_reported_at_once() -> None:
    group = StageGroup(1, "Doing + Review", frozenset({DOING, REVIEW}), wip_limit=2)
    service = claims_service(doing_limit=1, groups=(group,), person_limit=1)
    item = claim(READY, assignees=("amira",))
    counts = WipCounts(by_stage={DOING: 1, REVIEW: 1}, by_person={"amira": 1})
    scopes = sorted(v.scope for v in violations(service, item, DOING, counts))
    assert scopes == ["person", "stage", "stage_group"]


def test_a_violation_serialises_with_its_message() -> None:
    v = LimitViolation("stage", "Review", 3, 3, "all items in stage 'Review'")
    assert v.as_dict()["message"] == v.message
    assert v.as_dict()["limit"] == 3
