"""The WIP replay used on the demo's log catches what it should (no database)."""

from __future__ import annotations

from demo_replay import Event, Rules, replay

UPSTREAM, DOING = 1, 2


def rules() -> Rules:
    return Rules(
        phase={UPSTREAM: "upstream", DOING: "committed"}, service_of={UPSTREAM: 1, DOING: 1},
        stage_limit={UPSTREAM: None, DOING: 1}, groups=[],
        class_limit={(1, "standard"): None}, may_exceed={(1, "standard"): False},
        person_limit={1: None},
    )


def created(event_id: int, item: int) -> Event:
    return Event(event_id, 1, item, "created", None, UPSTREAM,
                 {"cos": "standard", "assignees": []})


def pulled(event_id: int, item: int) -> Event:
    return Event(event_id, 1, item, "moved", UPSTREAM, DOING, {"transition": "pull"})


def test_a_pull_past_a_full_stage_is_reported() -> None:
    log = [created(1, 10), created(2, 11), pulled(3, 10), pulled(4, 11)]
    result = replay(rules(), log)
    assert result.violations == ["event 4: stage 2 at 1 of 1"]


def test_a_pull_past_a_full_stage_after_an_override_is_excused() -> None:
    override = Event(4, 1, 11, "wip_override", UPSTREAM, DOING, {})
    log = [created(1, 10), created(2, 11), pulled(3, 10), override, pulled(5, 11)]
    result = replay(rules(), log)
    assert (result.violations, result.overrides, result.moves_checked) == ([], 1, 2)


def test_a_raised_limit_counts_from_the_moment_it_is_raised() -> None:
    raised = Event(4, 1, None, "limit_changed", None, DOING,
                   {"scope": "stage", "old": 1, "new": 2})
    log = [created(1, 10), created(2, 11), pulled(3, 10), raised, pulled(5, 11)]
    assert replay(rules(), log).violations == []
