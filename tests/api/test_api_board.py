"""The board: every stage with its limit, count and policy, cards in rank order."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import API, Claims

from flowdesk.domain.clock import FixedClock


def titles(claims: Claims, stage: str) -> list[str]:
    return [i["title"] for i in claims.board()[stage]["items"]]


def test_the_board_lists_every_stage_with_limit_count_and_policy(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.get(f"{API}/services/CLM/board")
    assert response.status_code == 200
    stages = response.json()["stages"]
    assert [s["name"] for s in stages] == ["Options", "Ready", "In progress", "Review", "Done",
                                           "Discarded"]
    options = stages[0]
    assert {k: options[k] for k in ("phase", "kind", "limit", "count", "policy")} == {
        "phase": "upstream", "kind": "queue", "limit": None, "count": 1, "policy": ""}
    assert stages[2]["limit"] == 2


def test_new_items_join_the_bottom_of_their_stage(claims: Claims) -> None:
    for title in ("a", "b", "c"):
        claims.new_item(title)
    assert titles(claims, "Options") == ["a", "b", "c"]


def test_moving_before_a_card_reorders_the_stage(claims: Claims) -> None:
    keys = [claims.new_item(title)["key"] for title in ("a", "b", "c")]
    claims.moved(keys[2], "Options", before=keys[0])
    assert titles(claims, "Options") == ["c", "a", "b"]
    assert claims.events(keys[2])[-1]["kind"] == "reordered"


def test_moving_into_another_stage_before_a_card_places_it_there(claims: Claims) -> None:
    keys = [claims.new_item(title)["key"] for title in ("a", "b", "c")]
    claims.moved(keys[0], "Ready")
    claims.moved(keys[1], "Ready")
    claims.moved(keys[2], "Ready", before=keys[1])
    assert titles(claims, "Ready") == ["a", "c", "b"]


def test_a_reorder_without_before_sends_the_card_to_the_bottom(claims: Claims) -> None:
    keys = [claims.new_item(title)["key"] for title in ("a", "b", "c")]
    claims.moved(keys[0], "Options")
    assert titles(claims, "Options") == ["b", "c", "a"]


def test_many_reorders_into_the_same_slot_keep_a_consistent_order(claims: Claims) -> None:
    # Moving cards repeatedly into the slot just under the top halves the rank gap each time,
    # until the stage must be respaced. The order must survive that.
    keys = [claims.new_item(f"card {n}")["key"] for n in range(25)]
    expected = list(keys)
    for key in keys[2:]:
        claims.moved(key, "Options", before=expected[1])
        expected.remove(key)
        expected.insert(1, key)
    shown = [i["key"] for i in claims.board()["Options"]["items"]]
    assert shown == expected


def test_before_a_card_in_another_stage_is_refused(claims: Claims) -> None:
    a, b = claims.new_item("a")["key"], claims.new_item("b")["key"]
    claims.moved(b, "Ready")
    response = claims.move(a, "Options", before=b)
    assert response.status_code == 422
    assert response.json()["field"] == "before"


def test_before_an_unknown_card_is_refused_naming_before(claims: Claims) -> None:
    a = claims.new_item("a")["key"]
    response = claims.move(a, "Options", before="CLM-404")
    assert response.status_code == 422
    assert response.json()["field"] == "before"


def test_the_done_column_shows_recent_deliveries_and_counts_all(
        claims: Claims, clock: FixedClock) -> None:
    claims.deliver_from_any_stage()
    old, recent = claims.new_item("old")["key"], claims.new_item("recent")["key"]
    claims.moved(old, "Done")
    clock.advance(timedelta(days=20))
    claims.moved(recent, "Done")
    done = claims.board()["Done"]
    assert (done["count"], done["hidden"]) == (2, 1)
    assert [i["title"] for i in done["items"]] == ["recent"]


def test_the_board_of_an_unknown_service_is_not_found(claims: Claims) -> None:
    assert claims.client.get(f"{API}/services/NOPE/board").status_code == 404
