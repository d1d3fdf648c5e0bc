"""What a move means (classify_move) and what it does to an item (apply_move)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import (
    DISCARDED,
    DOING,
    DONE,
    NOW,
    OPTIONS,
    READY,
    REVIEW,
    claim,
    claims_service,
)

from flowdesk.domain.errors import Conflict, StaleVersion
from flowdesk.domain.items import Transition, WorkItem, apply_move, classify_move

SERVICE = claims_service()


def classify(from_id: int, to_id: int) -> Transition:
    return classify_move(SERVICE.stage(from_id), SERVICE.stage(to_id))


def move(item_stage: int, to_id: int, at_hours: float = 0, **item_fields: object) -> WorkItem:
    """The claim in `item_stage` after moving it to `to_id`."""
    item = claim(item_stage, **item_fields)
    to_stage = SERVICE.stage(to_id)
    transition = classify_move(SERVICE.stage(item_stage), to_stage)
    return apply_move(item, to_stage, transition, NOW + timedelta(hours=at_hours), rank=42)


def test_upstream_into_committed_is_a_pull_across_the_commitment_point() -> None:
    assert classify(READY, DOING) is Transition.PULL


def test_a_later_stage_in_the_same_phase_is_a_forward_move() -> None:
    assert classify(DOING, REVIEW) is Transition.FORWARD
    assert classify(OPTIONS, READY) is Transition.FORWARD


def test_an_earlier_stage_is_a_backward_move() -> None:
    assert classify(REVIEW, DOING) is Transition.BACKWARD


def test_committed_back_upstream_is_a_backward_move() -> None:
    assert classify(DOING, READY) is Transition.BACKWARD


def test_entering_done_is_a_delivery() -> None:
    assert classify(REVIEW, DONE) is Transition.DELIVER


def test_upstream_straight_to_done_is_a_delivery() -> None:
    assert classify(OPTIONS, DONE) is Transition.DELIVER


def test_entering_discarded_is_a_discard() -> None:
    assert classify(OPTIONS, DISCARDED) is Transition.DISCARD
    assert classify(DOING, DISCARDED) is Transition.DISCARD


@pytest.mark.parametrize("to_id", [OPTIONS, READY, DOING, REVIEW])
def test_leaving_done_for_an_open_stage_is_a_reopen(to_id: int) -> None:
    assert classify(DONE, to_id) is Transition.REOPEN


def test_leaving_discarded_for_an_open_stage_is_a_reopen() -> None:
    assert classify(DISCARDED, OPTIONS) is Transition.REOPEN


def test_moving_within_the_same_stage_is_a_reorder() -> None:
    assert classify(DOING, DOING) is Transition.REORDER
    assert classify(DONE, DONE) is Transition.REORDER


def test_done_straight_to_discarded_is_refused() -> None:
    with pytest.raises(Conflict, match="reopened"):
        classify(DONE, DISCARDED)


def test_discarded_straight_to_done_is_refused() -> None:
    with pytest.raises(Conflict):
        classify(DISCARDED, DONE)


def test_a_pull_sets_the_commitment_time() -> None:
    assert move(READY, DOING).committed_at == NOW


def test_a_move_places_the_item_in_the_new_stage_with_its_rank_and_a_new_version() -> None:
    moved = move(READY, DOING)
    assert (moved.stage_id, moved.rank, moved.version) == (DOING, 42, 2)


def test_moving_upstream_stages_does_not_commit() -> None:
    assert move(OPTIONS, READY).committed_at is None


def test_commitment_is_the_first_entry_and_not_reset_by_moving_back_upstream() -> None:
    first = NOW - timedelta(days=3)
    back = move(DOING, READY, committed_at=first)
    assert back.committed_at == first
    again = apply_move(back, SERVICE.stage(DOING), Transition.PULL, NOW + timedelta(hours=1), 1)
    assert again.committed_at == first


def test_upstream_straight_to_done_sets_commitment_equal_to_delivery() -> None:
    delivered = move(OPTIONS, DONE)
    assert delivered.committed_at == delivered.delivered_at == NOW


def test_delivery_keeps_the_earlier_commitment_time() -> None:
    first = NOW - timedelta(days=2)
    delivered = move(REVIEW, DONE, committed_at=first)
    assert delivered.committed_at == first
    assert delivered.delivered_at == NOW


def test_a_discard_records_the_discard_time() -> None:
    assert move(OPTIONS, DISCARDED).discarded_at == NOW


def test_reopen_clears_the_delivery_time_and_keeps_commitment() -> None:
    first = NOW - timedelta(days=2)
    reopened = move(DONE, REVIEW, committed_at=first, delivered_at=NOW - timedelta(days=1))
    assert reopened.delivered_at is None
    assert reopened.committed_at == first


def test_reopen_clears_the_discard_time() -> None:
    reopened = move(DISCARDED, OPTIONS, discarded_at=NOW - timedelta(days=1))
    assert reopened.discarded_at is None


def test_a_reopened_item_delivered_again_takes_the_new_delivery_time() -> None:
    first = NOW - timedelta(days=5)
    reopened = move(DONE, REVIEW, committed_at=first, delivered_at=NOW - timedelta(days=4))
    later = NOW + timedelta(days=1)
    again = apply_move(reopened, SERVICE.stage(DONE), Transition.DELIVER, later, 1)
    assert again.delivered_at == later
    assert again.committed_at == first


def test_a_matching_version_passes_the_check() -> None:
    claim(version=3).check_version(3)
    claim(version=3).check_version(None)


def test_a_stale_version_is_refused_with_both_versions() -> None:
    with pytest.raises(StaleVersion) as err:
        claim(version=3).check_version(2)
    assert (err.value.expected, err.value.actual) == (2, 3)


def test_age_counts_from_commitment_and_stops_at_delivery() -> None:
    committed = claim(DOING, committed_at=NOW - timedelta(days=2))
    assert committed.age_days(NOW) == 2
    assert claim(READY).age_days(NOW) is None
    delivered = claim(DONE, committed_at=NOW - timedelta(days=2),
                      delivered_at=NOW - timedelta(days=1))
    assert delivered.age_days(NOW + timedelta(days=30)) == 1
