"""Workflow rules: which stage lists make a valid service workflow."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from domain_builders import DOING, READY, claims_service

from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.workflow import (
    Phase,
    StageKind,
    StageSpec,
    default_workflow,
    validate_workflow,
)


def test_the_default_workflow_is_valid() -> None:
    validate_workflow(default_workflow())


def test_the_default_workflow_runs_upstream_committed_done_discarded() -> None:
    phases = [spec.phase for spec in default_workflow()]
    assert phases == sorted(phases, key=[Phase.UPSTREAM, Phase.COMMITTED, Phase.DONE,
                                         Phase.DISCARDED].index)


def test_an_empty_workflow_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_workflow([])
    assert err.value.field == "stages"


@pytest.mark.parametrize("missing", [Phase.UPSTREAM, Phase.COMMITTED, Phase.DONE])
def test_a_workflow_without_a_needed_phase_is_refused(missing: Phase) -> None:
    specs = [s for s in default_workflow() if s.phase is not missing]
    with pytest.raises(InvalidInput, match=missing.value):
        validate_workflow(specs)


def test_a_workflow_without_a_discarded_stage_is_allowed() -> None:
    validate_workflow([s for s in default_workflow() if s.phase is not Phase.DISCARDED])


def test_phases_out_of_order_are_refused() -> None:
    specs = [
        StageSpec("Doing", Phase.COMMITTED),
        StageSpec("Options", Phase.UPSTREAM),
        StageSpec("Done", Phase.DONE),
    ]
    with pytest.raises(InvalidInput, match="upstream, then committed"):
        validate_workflow(specs)


def test_a_stage_name_used_twice_is_refused_whatever_its_case() -> None:
    specs = [
        StageSpec("Options", Phase.UPSTREAM),
        StageSpec("Doing", Phase.COMMITTED),
        StageSpec("doing ", Phase.COMMITTED),
        StageSpec("Done", Phase.DONE),
    ]
    with pytest.raises(InvalidInput) as err:
        validate_workflow(specs)
    assert err.value.field == "stages[2].name"


def test_a_blank_stage_name_is_refused() -> None:
    specs = [StageSpec("  ", Phase.UPSTREAM), StageSpec("Doing", Phase.COMMITTED),
             StageSpec("Done", Phase.DONE)]
    with pytest.raises(InvalidInput) as err:
        validate_workflow(specs)
    assert err.value.field == "stages[0].name"


@pytest.mark.parametrize("limit", [0, -1])
def test_a_stage_limit_below_one_is_refused(limit: int) -> None:
    specs = [StageSpec("Options", Phase.UPSTREAM),
             StageSpec("Doing", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=limit),
             StageSpec("Done", Phase.DONE)]
    with pytest.raises(InvalidInput) as err:
        validate_workflow(specs)
    assert err.value.field == "stages[1].wip_limit"


def test_only_upstream_and_committed_phases_are_open() -> None:
    assert [p for p in Phase if p.is_open] == [Phase.UPSTREAM, Phase.COMMITTED]


def test_a_stage_without_a_limit_always_has_room() -> None:
    options = claims_service().stage(1)
    assert options.has_room(10_000)


def test_a_stage_has_room_until_its_count_reaches_the_limit() -> None:
    doing = claims_service(doing_limit=2).stage(DOING)
    assert doing.has_room(1)
    assert not doing.has_room(2)


def test_asking_a_service_for_a_stage_it_does_not_have_is_not_found() -> None:
    with pytest.raises(NotFound):
        claims_service().stage(999)


def test_the_first_upstream_stage_is_where_new_work_arrives() -> None:
    service = claims_service()
    assert service.first_stage(Phase.UPSTREAM).name == "Options"
    assert [s.id for s in service.stages_in(Phase.UPSTREAM)] == [1, READY]


@pytest.mark.parametrize("phase", [Phase.DONE, Phase.DISCARDED])
def test_a_wip_limit_on_a_finished_stage_is_refused_naming_it(phase: Phase) -> None:
    specs = default_workflow()
    position = next(i for i, s in enumerate(specs) if s.phase is phase)
    specs[position] = StageSpec(specs[position].name, phase, wip_limit=3)
    with pytest.raises(InvalidInput) as err:
        validate_workflow(specs)
    assert err.value.field == f"stages[{position}].wip_limit"


def test_a_stage_a_request_names_from_another_service_is_bad_input_in_that_field() -> None:
    service = claims_service()
    assert service.named_stage(DOING, "to_stage").name == "In progress"
    with pytest.raises(InvalidInput) as err:
        service.named_stage(99, "to_stage")
    assert err.value.field == "to_stage"


def test_a_week_starts_on_the_teams_monday_not_utcs() -> None:
    auckland = replace(claims_service(), timezone="Pacific/Auckland")  # UTC+13 in March
    sunday_noon_utc = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # Monday 01:00 in Auckland
    assert auckland.week_start(sunday_noon_utc) == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert claims_service().week_start(sunday_noon_utc) == datetime(2026, 2, 23, tzinfo=UTC)

