"""Services through the API: list, create, read, and every rule change (each one an event)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from api_helpers import API, CLAIMS_WORKFLOW, Claims, create_service
from fastapi.testclient import TestClient

from flowdesk.domain.clock import FixedClock


def feed(client: TestClient, key: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/services/{key}/events")
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def test_a_new_database_lists_no_services(client: TestClient) -> None:
    response = client.get(f"{API}/services")
    assert response.status_code == 200
    assert response.json() == []


def test_a_service_created_with_the_default_workflow_gets_six_stages(client: TestClient) -> None:
    response = client.post(f"{API}/services", json={"key": "clm", "name": "Priority claims"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["key"] == "CLM"
    assert [s["phase"] for s in body["stages"]] == [
        "upstream", "upstream", "committed", "committed", "done", "discarded"]
    assert body["commitment_point"] == "after 'Ready'"
    assert body["delivery_point"] == "into 'Done'"


def test_the_service_list_summarises_wip_blocked_and_deliveries(claims: Claims) -> None:
    a = claims.new_item("first")
    claims.new_item("second")
    claims.moved(a["key"], "In progress")
    claims.client.post(f"{API}/items/{a['key']}/block",
                       json={"reason": "waiting on the agency", "category": "customer"})
    [summary] = claims.client.get(f"{API}/services").json()
    assert summary == {"key": "CLM", "name": "Priority claims", "wip": 1, "blocked": 1,
                       "delivered_this_week": 0}


def test_delivered_this_week_counts_from_monday_in_each_services_timezone(
        client: TestClient, clock: FixedClock) -> None:
    auckland = create_service(client, key="AKL", name="Auckland desk",
                              timezone="Pacific/Auckland")  # UTC+13 in March
    utc = create_service(client, key="UTC", name="UTC desk")
    now = clock.now()  # Monday 2026-03-02 09:00 UTC, Monday 22:00 in Auckland
    for service in (auckland, utc):
        # Sunday 12:00 UTC is last week in UTC, but already Monday 01:00 in Auckland.
        clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
        item = service.new_item("delivered on Sunday, UTC")
        service.moved(item["key"], "In progress")
        service.moved(item["key"], "Review")
        service.moved(item["key"], "Done")
        # Sunday 10:00 UTC is Sunday 23:00 in Auckland: last week in both places.
        clock.set(datetime(2026, 3, 1, 10, 0, tzinfo=UTC))
        item = service.new_item("delivered late on Sunday")
        service.moved(item["key"], "In progress")
        service.moved(item["key"], "Review")
        service.moved(item["key"], "Done")
    clock.set(now)
    summaries = {s["key"]: s for s in client.get(f"{API}/services").json()}
    assert summaries["AKL"]["delivered_this_week"] == 1
    assert summaries["UTC"]["delivered_this_week"] == 0


def test_services_are_listed_by_key(client: TestClient) -> None:
    create_service(client, key="ZED", name="Last")
    create_service(client, key="ABC", name="First")
    assert [s["key"] for s in client.get(f"{API}/services").json()] == ["ABC", "ZED"]


def test_a_service_shows_its_workflow_policies_limits_and_classes(claims: Claims) -> None:
    response = claims.client.get(f"{API}/services/clm")
    assert response.status_code == 200
    body = response.json()
    assert [(s["name"], s["limit"]) for s in body["stages"]] == [
        ("Options", None), ("Ready", None), ("In progress", 2), ("Review", 2), ("Done", None),
        ("Discarded", None)]
    classes = {c["cos"]: c for c in body["classes_of_service"]}
    assert set(classes) == {"expedite", "fixed_date", "standard", "intangible"}
    assert classes["expedite"]["wip_limit"] == 1
    assert classes["expedite"]["may_exceed_stage_limits"] is True
    assert classes["fixed_date"]["requires_due_date"] is True
    assert "customer" in body["blocker_categories"]


def test_an_unknown_service_is_not_found(client: TestClient) -> None:
    response = client.get(f"{API}/services/NOPE")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_duplicate_service_key_is_a_conflict(claims: Claims) -> None:
    response = claims.client.post(f"{API}/services", json={"key": "CLM", "name": "Again"})
    assert response.status_code == 409
    assert response.json()["field"] == "key"


def test_a_workflow_without_a_done_stage_is_refused(client: TestClient) -> None:
    response = client.post(f"{API}/services", json={"key": "BAD", "name": "Bad", "stages": [
        {"name": "Options", "phase": "upstream"}, {"name": "Doing", "phase": "committed"}]})
    assert response.status_code == 422
    assert response.json()["field"] == "stages"


def test_a_stage_limit_can_be_set_and_is_recorded_as_an_event(claims: Claims) -> None:
    stage = claims.stage["Review"]
    response = claims.client.put(f"{API}/services/CLM/stages/{stage}/limit", json={"limit": 5})
    assert response.status_code == 200, response.text
    assert {s["name"]: s["limit"] for s in response.json()["stages"]}["Review"] == 5
    change = feed(claims.client, "CLM")[-1]
    assert change["kind"] == "limit_changed"
    assert change["item"] is None
    assert change["payload"] == {"scope": "stage", "stage": "Review", "old": 2, "new": 5}


def test_a_stage_limit_can_be_removed(claims: Claims) -> None:
    stage = claims.stage["Review"]
    response = claims.client.put(f"{API}/services/CLM/stages/{stage}/limit", json={"limit": None})
    assert response.status_code == 200
    assert {s["name"]: s["limit"] for s in response.json()["stages"]}["Review"] is None


def test_a_done_stage_takes_no_limit(claims: Claims) -> None:
    stage = claims.stage["Done"]
    response = claims.client.put(f"{API}/services/CLM/stages/{stage}/limit", json={"limit": 3})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


def test_a_discarded_stage_takes_no_limit(claims: Claims) -> None:
    stage = claims.stage["Discarded"]
    response = claims.client.put(f"{API}/services/CLM/stages/{stage}/limit", json={"limit": 3})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


def test_a_new_workflow_with_a_limit_on_a_finished_stage_is_refused(client: TestClient) -> None:
    for position in (4, 5):  # Done, Discarded
        stages = [dict(s) for s in CLAIMS_WORKFLOW]
        stages[position]["wip_limit"] = 10
        response = client.post(f"{API}/services",
                               json={"key": "CLM", "name": "Claims", "stages": stages})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == f"stages[{position}].wip_limit"
    assert client.get(f"{API}/services").json() == []


def test_a_stage_in_the_path_from_another_service_is_not_found(
        claims: Claims, settlements: Claims) -> None:
    other = settlements.stage["Review"]
    response = claims.client.put(f"{API}/services/CLM/stages/{other}/limit", json={"limit": 3})
    assert response.status_code == 404
    assert settlements.client.get(f"{API}/services/INT").json()["stages"][3]["limit"] == 2


def test_a_stage_policy_is_markdown_text_and_its_change_is_an_event(claims: Claims) -> None:
    stage = claims.stage["Review"]
    policy = "## Exit criteria\n- the agency **confirmed** the amount"
    response = claims.client.put(f"{API}/services/CLM/stages/{stage}/policy",
                                 json={"policy": policy})
    assert response.status_code == 200
    assert {s["name"]: s["policy"] for s in response.json()["stages"]}["Review"] == policy
    change = feed(claims.client, "CLM")[-1]
    assert change["kind"] == "policy_changed"
    assert change["payload"]["new"] == policy


def test_a_class_policy_change_is_kept_and_recorded(claims: Claims) -> None:
    response = claims.client.put(f"{API}/services/CLM/classes/expedite",
                                 json={"wip_limit": 2, "policy": "Two at most"})
    assert response.status_code == 200, response.text
    expedite = {c["cos"]: c for c in response.json()["classes_of_service"]}["expedite"]
    assert (expedite["wip_limit"], expedite["policy"]) == (2, "Two at most")
    assert expedite["may_exceed_stage_limits"] is True
    change = feed(claims.client, "CLM")[-1]
    assert change["kind"] == "class_policy_changed"
    assert change["payload"]["changes"]["wip_limit"] == [1, 2]


def test_an_unknown_class_of_service_is_refused(claims: Claims) -> None:
    response = claims.client.put(f"{API}/services/CLM/classes/urgent", json={"wip_limit": 2})
    assert response.status_code == 422


def test_a_person_limit_is_set_for_the_whole_service(claims: Claims) -> None:
    response = claims.client.put(f"{API}/services/CLM/person-limit", json={"limit": 3})
    assert response.status_code == 200
    assert response.json()["person_wip_limit"] == 3
    assert feed(claims.client, "CLM")[-1]["payload"]["scope"] == "person"


def test_a_stage_group_sets_one_conwip_limit_over_its_stages(claims: Claims) -> None:
    ids = [claims.stage["In progress"], claims.stage["Review"]]
    response = claims.client.post(f"{API}/services/CLM/stage-groups",
                                  json={"name": "Doing + Review", "stage_ids": ids, "limit": 3})
    assert response.status_code == 201, response.text
    [group] = response.json()["stage_groups"]
    assert (group["name"], group["stage_ids"], group["limit"]) == ("Doing + Review",
                                                                   sorted(ids), 3)
    assert feed(claims.client, "CLM")[-1]["payload"]["scope"] == "stage_group"


@pytest.mark.parametrize(("stage_names", "why"), [
    ([("CLM", "Review"), ("CLM", "Done")], "a done stage takes no limit"),
    ([("CLM", "Review"), ("INT", "In progress")], "a stage of another service"),
    ([("CLM", "Ready"), ("CLM", "Review")], "a gap: In progress sits between them"),
])
def test_a_stage_group_of_stages_that_cannot_share_a_limit_is_refused_naming_stage_ids(
        claims: Claims, settlements: Claims, stage_names: list[tuple[str, str]],
        why: str) -> None:
    services = {"CLM": claims, "INT": settlements}
    ids = [services[service].stage[name] for service, name in stage_names]
    response = claims.client.post(f"{API}/services/CLM/stage-groups",
                                  json={"name": "Refused", "stage_ids": ids, "limit": 3})
    assert response.status_code == 422, why
    assert response.json()["field"] == "stage_ids"
    assert claims.client.get(f"{API}/services/CLM").json()["stage_groups"] == []


def test_a_conwip_group_refuses_a_pull_when_full(claims: Claims) -> None:
    ids = [claims.stage["In progress"], claims.stage["Review"]]
    claims.client.post(f"{API}/services/CLM/stage-groups",
                       json={"name": "Doing + Review", "stage_ids": ids, "limit": 1})
    first, second = claims.new_item("one"), claims.new_item("two")
    claims.moved(first["key"], "In progress")
    response = claims.move(second["key"], "In progress")
    assert response.status_code == 409
    [violation] = response.json()["violations"]
    assert (violation["scope"], violation["name"], violation["limit"], violation["count"]) == (
        "stage_group", "Doing + Review", 1, 1)


def test_consecutive_stages_given_in_any_order_make_a_group(claims: Claims) -> None:
    ids = [claims.stage["Review"], claims.stage["In progress"]]
    response = claims.client.post(f"{API}/services/CLM/stage-groups",
                                  json={"name": "Doing + Review", "stage_ids": ids, "limit": 3})
    assert response.status_code == 201, response.text


def test_a_second_stage_group_with_the_same_name_is_a_conflict(claims: Claims) -> None:
    body = {"name": "Doing + Review", "limit": 3,
            "stage_ids": [claims.stage["In progress"], claims.stage["Review"]]}
    assert claims.client.post(f"{API}/services/CLM/stage-groups", json=body).status_code == 201
    again = claims.client.post(f"{API}/services/CLM/stage-groups",
                               json={**body, "name": "doing + review"})
    assert again.status_code == 409
    assert again.json()["field"] == "name"
    assert len(claims.client.get(f"{API}/services/CLM").json()["stage_groups"]) == 1
