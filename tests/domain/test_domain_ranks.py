"""Card order within a stage: ranks with gaps, and where a card lands."""

from __future__ import annotations

from flowdesk.domain.ranks import RANK_GAP, bottom_rank, rank_between, spread


def test_the_first_card_in_an_empty_stage_gets_one_gap() -> None:
    assert rank_between(None, None) == RANK_GAP


def test_a_card_at_the_bottom_goes_one_gap_below_the_last() -> None:
    assert rank_between(5 * RANK_GAP, None) == 6 * RANK_GAP


def test_a_card_at_the_top_goes_one_gap_above_the_first() -> None:
    assert rank_between(None, RANK_GAP) == 0


def test_a_card_between_two_others_takes_the_midpoint() -> None:
    assert rank_between(100, 200) == 150


def test_there_is_no_rank_between_adjacent_ranks() -> None:
    assert rank_between(100, 101) is None
    assert rank_between(100, 100) is None


def test_spread_gives_evenly_spaced_increasing_ranks() -> None:
    assert spread(3) == [RANK_GAP, 2 * RANK_GAP, 3 * RANK_GAP]
    assert spread(0) == []


def test_a_card_at_the_bottom_of_an_empty_stage_gets_the_first_gap() -> None:
    assert bottom_rank(None) == RANK_GAP


def test_a_card_at_the_bottom_lands_one_gap_below_the_last_card() -> None:
    assert bottom_rank(300) == 300 + RANK_GAP


def test_ranks_from_repeated_midpoints_keep_the_order() -> None:
    ranks = [RANK_GAP, 2 * RANK_GAP]
    for _ in range(15):  # keep inserting just below the second card
        new = rank_between(ranks[0], ranks[1])
        assert new is not None
        assert ranks[0] < new < ranks[1]
        ranks = [ranks[0], new]
