"""Moves through the API: pull, WIP refusal and override, deliver, discard, reopen, reorder."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import API, Claims

from flowdesk.domain.clock import FixedClock


def fill_in_progress(claims: Claims) -> list[str]:
    """Pull two items into In progress (limit 2) and return their keys."""
    keys = [claims.new_item(f"claim {n}")["key"] for n in range(2)]
    for key in keys:
        claims.moved(key, "In progress")
    return keys


def test_a_pull_across_the_commitment_point_sets_the_commitment_time(
        claims: Claims, clock: FixedClock) -> None:
    item = claims.new_item()
    clock.advance(timedelta(hours=2))
    moved = claims.moved(item["key"], "In progress")
    assert (moved["stage"], moved["phase"], moved["version"]) == ("In progress", "committed", 2)
    assert moved["committed_at"].startswith("2026-03-02T11:00:00")


def test_a_pull_into_a_full_stage_is_refused_naming_stage_limit_and_count(
        claims: Claims) -> None:
    fill_in_progress(claims)
    third = claims.new_item("third")
    response = claims.move(third["key"], "In progress")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "wip_limit"
    assert "In progress" in body["message"] and "2 of 2" in body["message"]
    [violation] = body["violations"]
    assert (violation["scope"], violation["name"], violation["limit"], violation["count"]) == (
        "stage", "In progress", 2, 2)
    assert claims.client.get(f"{API}/items/{third['key']}").json()["stage"] == "Options"
    assert [e["kind"] for e in claims.events(third["key"])] == ["created"]


def test_a_blocked_item_still_counts_toward_the_limit(claims: Claims) -> None:
    first, _ = fill_in_progress(claims)
    claims.client.post(f"{API}/items/{first}/block", json={"reason": "r", "category": "vendor"})
    assert claims.move(claims.new_item()["key"], "In progress").status_code == 409


def test_an_override_with_a_reason_passes_and_is_recorded_as_its_own_event(
        claims: Claims) -> None:
    fill_in_progress(claims)
    third = claims.new_item("third")
    moved = claims.moved(third["key"], "In progress",
                         override_reason="regulator deadline today")
    assert moved["stage"] == "In progress"
    override, move = claims.events(third["key"])[-2:]
    assert (override["kind"], override["reason"]) == ("wip_override", "regulator deadline today")
    assert override["payload"]["violations"][0]["count"] == 2
    assert move["kind"] == "moved"
    assert claims.board()["In progress"]["count"] == 3


def test_a_blank_override_reason_does_not_override(claims: Claims) -> None:
    fill_in_progress(claims)
    response = claims.move(claims.new_item()["key"], "In progress", override_reason="   ")
    assert response.status_code == 409


def test_an_expedite_item_passes_a_full_stage_but_only_one_at_a_time(claims: Claims) -> None:
    fill_in_progress(claims)
    urgent = claims.new_item("urgent", class_of_service="expedite")
    assert claims.moved(urgent["key"], "In progress")["stage"] == "In progress"
    second = claims.new_item("also urgent", class_of_service="expedite")
    response = claims.move(second["key"], "Review")
    assert response.status_code == 409
    assert response.json()["violations"][0]["scope"] == "class_of_service"


def test_delivery_sets_the_delivery_time(claims: Claims, clock: FixedClock) -> None:
    item = claims.new_item()
    claims.moved(item["key"], "In progress")
    clock.advance(timedelta(days=1))
    claims.moved(item["key"], "Review")
    done = claims.moved(item["key"], "Done")
    assert (done["phase"], done["delivered_at"][:10]) == ("done", "2026-03-03")


def test_upstream_straight_to_done_commits_and_delivers_at_once(claims: Claims) -> None:
    claims.deliver_from_any_stage()  # by default only from Review
    done = claims.moved(claims.new_item()["key"], "Done")
    assert done["committed_at"] == done["delivered_at"]


def test_a_blocked_item_cannot_be_delivered(claims: Claims) -> None:
    item = claims.new_item()
    claims.client.post(f"{API}/items/{item['key']}/block",
                       json={"reason": "r", "category": "vendor"})
    assert claims.move(item["key"], "Done").status_code == 409


def test_discarding_needs_a_reason(claims: Claims) -> None:
    item = claims.new_item()
    response = claims.move(item["key"], "Discarded")
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    discarded = claims.moved(item["key"], "Discarded", reason="the agency withdrew the claim")
    assert discarded["discarded_at"] is not None
    assert claims.events(item["key"])[-1]["reason"] == "the agency withdrew the claim"


def test_discarding_a_blocked_item_closes_its_blocker(claims: Claims) -> None:
    item = claims.new_item()
    claims.client.post(f"{API}/items/{item['key']}/block",
                       json={"reason": "r", "category": "vendor"})
    discarded = claims.moved(item["key"], "Discarded", reason="withdrawn")
    assert discarded["blocked"] is False
    assert [e["kind"] for e in claims.events(item["key"])][-2:] == ["unblocked", "moved"]


def test_a_delivered_item_can_be_reopened_and_loses_its_delivery_time(claims: Claims) -> None:
    item = claims.new_item()
    claims.moved(item["key"], "In progress")
    claims.moved(item["key"], "Review")
    claims.moved(item["key"], "Done")
    reopened = claims.moved(item["key"], "Review")
    assert (reopened["phase"], reopened["delivered_at"]) == ("committed", None)
    assert reopened["committed_at"] is not None
    assert claims.events(item["key"])[-1]["payload"]["transition"] == "reopen"


def test_a_discarded_item_can_be_reopened(claims: Claims) -> None:
    item = claims.new_item()
    claims.moved(item["key"], "Discarded", reason="duplicate")
    reopened = claims.moved(item["key"], "Options")
    assert reopened["discarded_at"] is None


def test_done_straight_to_discarded_is_refused(claims: Claims) -> None:
    claims.deliver_from_any_stage()
    item = claims.new_item()
    claims.moved(item["key"], "Done")
    response = claims.move(item["key"], "Discarded", reason="changed my mind")
    assert response.status_code == 409
    assert response.json()["field"] == "to_stage"


def test_a_reopen_into_a_full_stage_is_refused(claims: Claims) -> None:
    claims.deliver_from_any_stage()
    item = claims.new_item()
    claims.moved(item["key"], "Done")
    fill_in_progress(claims)
    assert claims.move(item["key"], "In progress").status_code == 409


def test_moving_back_upstream_keeps_the_commitment_time(claims: Claims,
                                                        clock: FixedClock) -> None:
    item = claims.new_item()
    first = claims.moved(item["key"], "In progress")["committed_at"]
    clock.advance(timedelta(hours=1))
    claims.moved(item["key"], "Ready")
    clock.advance(timedelta(hours=1))
    assert claims.moved(item["key"], "In progress")["committed_at"] == first


def test_a_move_to_a_stage_of_another_service_is_refused_naming_to_stage(
        claims: Claims, settlements: Claims) -> None:
    item = claims.new_item()
    response = claims.client.post(f"{API}/items/{item['key']}/move",
                                  json={"to_stage": settlements.stage["In progress"]})
    assert response.status_code == 422
    assert response.json()["field"] == "to_stage"
    assert claims.client.get(f"{API}/items/{item['key']}").json()["stage"] == "Options"
    assert settlements.board()["In progress"]["count"] == 0


def test_a_move_to_an_unknown_stage_is_refused_naming_to_stage(claims: Claims) -> None:
    item = claims.new_item()
    response = claims.client.post(f"{API}/items/{item['key']}/move", json={"to_stage": 99_999})
    assert response.status_code == 422
    assert response.json()["field"] == "to_stage"


def test_a_move_in_front_of_a_card_of_another_service_is_refused_naming_before(
        claims: Claims, settlements: Claims) -> None:
    item = claims.new_item()
    foreign = settlements.new_item()
    for before in (foreign["key"], "CLM-999", "NOPE-1"):
        response = claims.move(item["key"], "Options", before=before)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "before"


def test_a_move_event_names_both_stages_and_the_transition(claims: Claims) -> None:
    item = claims.new_item()
    claims.moved(item["key"], "In progress")
    claims.moved(item["key"], "Ready")
    event = claims.events(item["key"])[-1]
    assert (event["from_stage"], event["to_stage"], event["payload"]["transition"]) == (
        "In progress", "Ready", "backward")
