"""Items through the API: create, read with ETag, edit, block, assign, their history."""

from __future__ import annotations

from api_helpers import API, Claims
from fastapi.testclient import TestClient


def test_an_item_needs_only_a_title_and_lands_in_the_first_upstream_stage(
        claims: Claims) -> None:
    response = claims.client.post(f"{API}/services/CLM/items", json={"title": "Refund"})
    assert response.status_code == 201, response.text
    item = response.json()
    assert (item["key"], item["version"], item["stage"], item["phase"]) == (
        "CLM-1", 1, "Options", "upstream")
    assert (item["type"], item["class_of_service"]) == ("request", "standard")
    assert item["arrived_at"].startswith("2026-03-02T09:00:00")
    assert item["committed_at"] is None
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == "/api/v1/items/CLM-1"


def test_item_keys_count_up_per_service(claims: Claims, settlements: Claims) -> None:
    assert [claims.new_item()["key"] for _ in range(2)] == ["CLM-1", "CLM-2"]
    assert settlements.new_item()["key"] == "INT-1"


def test_an_item_can_arrive_in_a_later_upstream_stage(claims: Claims) -> None:
    item = claims.new_item(stage_id=claims.stage["Ready"])
    assert item["stage"] == "Ready"


def test_an_item_cannot_arrive_past_the_commitment_point(claims: Claims) -> None:
    response = claims.client.post(f"{API}/services/CLM/items",
                                  json={"title": "x", "stage_id": claims.stage["In progress"]})
    assert response.status_code == 422
    assert response.json()["field"] == "stage_id"


def test_an_item_cannot_arrive_in_a_stage_of_another_service(
        claims: Claims, settlements: Claims) -> None:
    response = claims.client.post(f"{API}/services/CLM/items",
                                  json={"title": "x", "stage_id": settlements.stage["Options"]})
    assert response.status_code == 422
    assert response.json()["field"] == "stage_id"
    assert claims.board()["Options"]["count"] == 0
    assert settlements.board()["Options"]["count"] == 0


def test_a_fixed_date_item_without_a_due_date_is_refused(claims: Claims) -> None:
    response = claims.client.post(f"{API}/services/CLM/items",
                                  json={"title": "Year-end", "class_of_service": "fixed_date"})
    assert response.status_code == 422
    assert response.json()["field"] == "due_date"


def test_a_fixed_date_item_with_a_due_date_is_created(claims: Claims) -> None:
    item = claims.new_item("Year-end", class_of_service="fixed_date", due_date="2026-03-31")
    assert item["due_date"] == "2026-03-31"


def test_an_item_in_an_unknown_service_is_not_found(client: TestClient) -> None:
    response = client.post(f"{API}/services/NOPE/items", json={"title": "x"})
    assert response.status_code == 404


def test_the_same_idempotency_key_ten_times_creates_one_item(claims: Claims) -> None:
    headers = {"Idempotency-Key": "agency-mail-4711"}
    keys = set()
    for attempt in range(10):
        response = claims.client.post(f"{API}/services/CLM/items", json={"title": "Refund"},
                                      headers=headers)
        # The first creates (201); a replay answers with the first item (200) and says so.
        assert response.status_code == (201 if attempt == 0 else 200)
        assert response.headers.get("Idempotent-Replayed") == (None if attempt == 0
                                                                else "true")
        keys.add(response.json()["key"])
    assert keys == {"CLM-1"}
    assert claims.board()["Options"]["count"] == 1
    assert [e["kind"] for e in claims.events("CLM-1")] == ["created"]


def test_different_idempotency_keys_create_different_items(claims: Claims) -> None:
    for n in range(3):
        claims.client.post(f"{API}/services/CLM/items", json={"title": "Refund"},
                           headers={"Idempotency-Key": f"mail-{n}"})
    assert claims.board()["Options"]["count"] == 3


def test_reading_an_item_sends_its_version_as_etag(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.get(f"{API}/items/clm-1")
    assert response.status_code == 200
    assert response.json()["key"] == "CLM-1"
    assert response.headers["ETag"] == '"1"'


def test_an_unknown_item_is_not_found(client: TestClient) -> None:
    response = client.get(f"{API}/items/CLM-999")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_editing_an_item_records_old_and_new_values(claims: Claims) -> None:
    claims.new_item("Refnud")
    response = claims.client.patch(f"{API}/items/CLM-1", json={"title": "Refund",
                                                               "customer": "Agency Nordlys"},
                                   headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["version"]) == ("Refund", 2)
    assert response.headers["ETag"] == '"2"'
    edited = claims.events("CLM-1")[-1]
    assert edited["kind"] == "edited"
    assert edited["payload"]["changes"]["title"] == ["Refnud", "Refund"]


def test_an_edit_that_changes_nothing_keeps_the_version(claims: Claims) -> None:
    claims.new_item("Refund")
    response = claims.client.patch(f"{API}/items/CLM-1", json={"title": "Refund"})
    assert response.json()["version"] == 1
    assert [e["kind"] for e in claims.events("CLM-1")] == ["created"]


def test_an_edit_can_clear_the_due_date_of_a_standard_item(claims: Claims) -> None:
    claims.new_item(due_date="2026-04-01")
    response = claims.client.patch(f"{API}/items/CLM-1", json={"due_date": None})
    assert response.status_code == 200
    assert response.json()["due_date"] is None


def test_changing_to_fixed_date_without_a_due_date_is_refused(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.patch(f"{API}/items/CLM-1", json={"class_of_service": "fixed_date"})
    assert response.status_code == 422
    assert response.json()["field"] == "due_date"


def test_two_writers_with_the_same_version_get_one_success_and_one_412(claims: Claims) -> None:
    claims.new_item()
    first = claims.client.patch(f"{API}/items/CLM-1", json={"title": "Mine"},
                                headers={"If-Match": '"1"'})
    second = claims.client.patch(f"{API}/items/CLM-1", json={"title": "Theirs"},
                                 headers={"If-Match": '"1"'})
    assert (first.status_code, second.status_code) == (200, 412)
    body = second.json()
    assert (body["error"], body["field"], body["current_version"]) == (
        "stale_version", "If-Match", 2)
    assert claims.client.get(f"{API}/items/CLM-1").json()["title"] == "Mine"


def test_every_write_to_an_item_honours_if_match(claims: Claims) -> None:
    claims.new_item()
    stale = {"If-Match": "7"}
    stage = claims.stage["Ready"]
    writes = [
        claims.client.patch(f"{API}/items/CLM-1", json={"title": "x"}, headers=stale),
        claims.client.post(f"{API}/items/CLM-1/move", json={"to_stage": stage}, headers=stale),
        claims.client.post(f"{API}/items/CLM-1/block",
                           json={"reason": "r", "category": "customer"}, headers=stale),
        claims.client.post(f"{API}/items/CLM-1/unblock", headers=stale),
        claims.client.post(f"{API}/items/CLM-1/assignees", json={"person": "amira"},
                           headers=stale),
        claims.client.delete(f"{API}/items/CLM-1/assignees/amira", headers=stale),
    ]
    assert [w.status_code for w in writes] == [412] * 6
    assert claims.client.get(f"{API}/items/CLM-1").json()["version"] == 1


def test_an_if_match_that_is_not_a_version_is_refused(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.patch(f"{API}/items/CLM-1", json={"title": "x"},
                                   headers={"If-Match": "yesterday"})
    assert response.status_code == 422
    assert response.json()["field"] == "If-Match"


def test_blocking_records_reason_and_category_and_unblocking_ends_it(
        claims: Claims, clock: object) -> None:
    claims.new_item()
    response = claims.client.post(f"{API}/items/CLM-1/block",
                                  json={"reason": "waiting on the agency", "category": "customer"})
    assert response.status_code == 200, response.text
    blocked = response.json()
    assert blocked["blocked"] is True
    assert blocked["blocker"]["category"] == "customer"
    response = claims.client.post(f"{API}/items/CLM-1/unblock", headers={"If-Match": "2"})
    assert response.status_code == 200
    assert (response.json()["blocked"], response.json()["version"]) == (False, 3)
    kinds = [(e["kind"], e["reason"]) for e in claims.events("CLM-1")]
    assert kinds == [("created", None), ("blocked", "waiting on the agency"),
                     ("unblocked", None)]
    assert claims.events("CLM-1")[-1]["payload"]["category"] == "customer"


def test_a_second_blocker_while_one_is_open_is_a_conflict(claims: Claims) -> None:
    claims.new_item()
    body = {"reason": "waiting", "category": "customer"}
    claims.client.post(f"{API}/items/CLM-1/block", json=body)
    response = claims.client.post(f"{API}/items/CLM-1/block", json=body)
    assert response.status_code == 409


def test_a_blocker_category_the_service_does_not_configure_is_refused(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.post(f"{API}/items/CLM-1/block",
                                  json={"reason": "why", "category": "aliens"})
    assert response.status_code == 422
    assert response.json()["field"] == "category"


def test_unblocking_an_item_that_is_not_blocked_is_a_conflict(claims: Claims) -> None:
    claims.new_item()
    assert claims.client.post(f"{API}/items/CLM-1/unblock").status_code == 409


def test_assigning_and_unassigning_a_person(claims: Claims) -> None:
    claims.new_item()
    response = claims.client.post(f"{API}/items/CLM-1/assignees", json={"person": "amira"})
    assert response.status_code == 200, response.text
    assert response.json()["assignees"] == ["amira"]
    response = claims.client.delete(f"{API}/items/CLM-1/assignees/amira")
    assert response.status_code == 200
    assert response.json()["assignees"] == []
    assert [e["kind"] for e in claims.events("CLM-1")] == ["created", "assigned", "unassigned"]


def test_assigning_the_same_person_twice_is_a_conflict(claims: Claims) -> None:
    claims.new_item(assignees=["amira"])
    response = claims.client.post(f"{API}/items/CLM-1/assignees", json={"person": "amira"})
    assert response.status_code == 409


def test_unassigning_someone_not_assigned_is_a_conflict(claims: Claims) -> None:
    claims.new_item()
    assert claims.client.delete(f"{API}/items/CLM-1/assignees/ghost").status_code == 409


def test_assigning_past_the_person_limit_is_refused_unless_overridden(claims: Claims) -> None:
    claims.client.put(f"{API}/services/CLM/person-limit", json={"limit": 1})
    first, second = claims.new_item(), claims.new_item()
    claims.moved(first["key"], "In progress")
    claims.moved(second["key"], "In progress")
    claims.client.post(f"{API}/items/{first['key']}/assignees", json={"person": "amira"})
    refused = claims.client.post(f"{API}/items/{second['key']}/assignees",
                                 json={"person": "amira"})
    assert refused.status_code == 409
    assert refused.json()["violations"][0]["scope"] == "person"
    allowed = claims.client.post(f"{API}/items/{second['key']}/assignees",
                                 json={"person": "amira", "override_reason": "covering leave"})
    assert allowed.status_code == 200
    assert [e["kind"] for e in claims.events(second["key"])][-2:] == ["wip_override", "assigned"]


def test_an_items_history_lists_its_events_oldest_first(claims: Claims) -> None:
    item = claims.new_item()
    claims.moved(item["key"], "Ready")
    claims.moved(item["key"], "In progress")
    events = claims.events(item["key"])
    assert [(e["kind"], e["from_stage"], e["to_stage"]) for e in events] == [
        ("created", None, "Options"), ("moved", "Options", "Ready"),
        ("moved", "Ready", "In progress")]
    assert all(e["actor"] == "olivia" and e["item"] == item["key"] for e in events)
    assert events[2]["payload"]["transition"] == "pull"


def test_the_history_of_an_unknown_item_is_not_found(client: TestClient) -> None:
    assert client.get(f"{API}/items/CLM-404/events").status_code == 404


def test_editing_the_title_of_a_fixed_date_item_without_a_date_still_works(
        claims: Claims) -> None:
    # An item made while fixed-date work needed no date keeps working after the rule changes.
    policy = f"{API}/services/CLM/classes/fixed_date"
    claims.client.put(policy, json={"requires_due_date": False})
    item = claims.new_item("Year-end", class_of_service="fixed_date")
    claims.client.put(policy, json={"requires_due_date": True})
    response = claims.client.patch(f"{API}/items/{item['key']}", json={"title": "Year-end run"})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Year-end run"


def test_clearing_the_date_of_a_fixed_date_item_is_still_refused(claims: Claims) -> None:
    item = claims.new_item("Year-end", class_of_service="fixed_date", due_date="2026-03-31")
    response = claims.client.patch(f"{API}/items/{item['key']}", json={"due_date": None})
    assert response.status_code == 422
    assert response.json()["field"] == "due_date"


def test_changing_a_dateless_item_to_fixed_date_is_still_refused(claims: Claims) -> None:
    item = claims.new_item("Year-end")
    response = claims.client.patch(f"{API}/items/{item['key']}",
                                   json={"class_of_service": "fixed_date"})
    assert response.status_code == 422
    assert response.json()["field"] == "due_date"


def test_creating_into_a_full_first_stage_is_refused_naming_stage_limit_and_count(
        claims: Claims) -> None:
    options = claims.stage["Options"]
    claims.client.put(f"{API}/services/CLM/stages/{options}/limit", json={"limit": 1})
    claims.new_item("first")
    response = claims.client.post(f"{API}/services/CLM/items", json={"title": "second"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "wip_limit"
    assert [(v["scope"], v["name"], v["limit"], v["count"]) for v in body["violations"]] == [
        ("stage", "Options", 1, 1)]
    assert claims.board()["Options"]["count"] == 1


def test_creating_into_a_full_conwip_group_is_refused(claims: Claims) -> None:
    ids = [claims.stage["Options"], claims.stage["Ready"]]
    claims.client.post(f"{API}/services/CLM/stage-groups",
                       json={"name": "Upstream", "stage_ids": ids, "limit": 2})
    claims.new_item("one")
    claims.new_item("two", stage_id=claims.stage["Ready"])
    response = claims.client.post(f"{API}/services/CLM/items", json={"title": "three"})
    assert response.status_code == 409, response.text
    assert response.json()["violations"][0]["scope"] == "stage_group"


def test_creating_into_a_full_stage_with_a_reason_is_recorded_as_an_override(
        claims: Claims) -> None:
    options = claims.stage["Options"]
    claims.client.put(f"{API}/services/CLM/stages/{options}/limit", json={"limit": 1})
    claims.new_item("first")
    item = claims.new_item("second", override_reason="the regulator asked for it today")
    assert item["stage"] == "Options"
    events = claims.events(item["key"])
    assert [e["kind"] for e in events] == ["created", "wip_override"]
    assert events[1]["reason"] == "the regulator asked for it today"
    assert events[1]["payload"]["violations"][0]["count"] == 1
    assert claims.board()["Options"]["count"] == 2


def test_an_override_reason_is_not_needed_when_the_stage_has_room(claims: Claims) -> None:
    item = claims.new_item("first", override_reason="just in case")
    assert [e["kind"] for e in claims.events(item["key"])] == ["created"]


def test_an_idempotency_key_sent_again_with_a_different_body_is_refused(claims: Claims) -> None:
    headers = {"Idempotency-Key": "agency-mail-4711"}
    first = claims.client.post(f"{API}/services/CLM/items", json={"title": "Refund"},
                               headers=headers)
    assert first.status_code == 201
    for body in ({"title": "Another refund"}, {"title": "Refund", "customer": "Nordlys"}):
        response = claims.client.post(f"{API}/services/CLM/items", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "Idempotency-Key"
    assert claims.board()["Options"]["count"] == 1
