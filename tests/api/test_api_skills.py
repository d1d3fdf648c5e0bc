"""The skills matrix and people's availability through the API: team members propose their
own levels, a Flow Manager or Service Delivery Manager confirms them, each change is an
event; bus-factor risks and gaps; working hours and absences, and who may set them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import API, Claims
from fastapi.testclient import TestClient

from cast import token_of
from flowdesk.storage.unit_of_work import UnitOfWork

As = Callable[[str], dict[str, str]]


@pytest.fixture
def as_(uow: UnitOfWork) -> As:
    """Headers that make a request act as this user (one token each)."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = token_of(uow, username)
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


@pytest.fixture
def skilled(claims: Claims) -> Claims:
    """CLM's work needs payments (refunds and chargebacks) and fx; dana is its Flow Manager
    (no longer a team member), chen a viewer."""
    client = claims.client
    for name, roles in (("dana", ["flow_manager"]), ("chen", ["viewer"])):
        response = client.put(f"{API}/services/CLM/members/{name}", json={"roles": roles})
        assert response.status_code == 200, response.text
    response = client.put(f"{API}/services/CLM/skills", json={"skills": [
        {"name": "payments", "item_types": ["refund", "chargeback"]}, {"name": "fx"}]})
    assert response.status_code == 200, response.text
    return claims


def level_url(skill: str, username: str) -> str:
    return f"{API}/services/CLM/skills/{skill}/people/{username}"


def matrix(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.get(f"{API}/services/CLM/skills", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def levels_of(body: dict[str, Any], username: str) -> dict[str, Any]:
    return dict(next(p for p in body["people"] if p["username"] == username)["levels"])


def events(client: TestClient, key: str = "CLM") -> list[dict[str, Any]]:
    response = client.get(f"{API}/services/{key}/events", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def test_the_service_names_the_skills_its_work_needs_and_the_item_types_that_need_them(
        skilled: Claims) -> None:
    body = matrix(skilled.client)
    assert body["skills"] == [{"name": "payments", "item_types": ["refund", "chargeback"]},
                              {"name": "fx", "item_types": []}]
    # The team members: the six of the team (less dana and chen) and Olivia, who created it.
    assert [p["username"] for p in body["people"]] == ["amira", "ana", "ben", "bruno",
                                                       "olivia"]
    assert levels_of(body, "amira")["payments"] == {
        "level": 0, "label": "none", "confirmed_by": None, "confirmed_at": None,
        "proposed": None, "proposed_at": None}
    defined = [e for e in events(skilled.client) if e["kind"] == "skills_defined"]
    assert len(defined) == 1 and defined[0]["actor"] == "olivia"


def test_a_team_member_proposes_their_level_and_the_flow_manager_confirms_it(
        skilled: Claims, as_: As) -> None:
    client = skilled.client
    proposed = client.put(level_url("payments", "amira"), json={"level": 2},
                          headers=as_("amira"))
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["level"] == 0 and proposed.json()["proposed"] == 2
    assert levels_of(matrix(client), "amira")["payments"]["proposed"] == 2
    confirmed = client.put(level_url("Payments", "amira"), json={"level": 2},
                           headers=as_("dana"))
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["skill"], body["level"], body["label"]) == ("payments", 2, "can do alone")
    assert (body["proposed"], body["confirmed_by"]) == (None, "dana")
    changes = [(e["kind"], e["actor"], e["payload"]) for e in events(client)
               if e["kind"].startswith("skill_level")]
    assert changes == [
        ("skill_level_proposed", "amira",
         {"username": "amira", "skill": "payments", "level": 2, "confirmed_level": None}),
        ("skill_level_confirmed", "dana",
         {"username": "amira", "skill": "payments", "level": 2, "confirmed_level": None,
          "proposed_level": 2}),
    ]


def test_the_service_delivery_manager_sets_anyone_s_level_confirmed_at_once(
        skilled: Claims) -> None:
    response = skilled.client.put(level_url("fx", "bruno"), json={"level": 3})  # Olivia
    assert response.status_code == 200, response.text
    assert (response.json()["level"], response.json()["confirmed_by"]) == (3, "olivia")
    assert [e["kind"] for e in events(skilled.client)][-1] == "skill_level_confirmed"


def test_a_team_member_cannot_set_someone_else_s_level(skilled: Claims, as_: As) -> None:
    response = skilled.client.put(level_url("payments", "bruno"), json={"level": 3},
                                  headers=as_("amira"))
    assert response.status_code == 403, response.text
    assert "Flow Manager" in response.json()["message"]


def test_a_viewer_cannot_change_levels_and_a_non_member_is_told_there_is_no_service(
        skilled: Claims, as_: As) -> None:
    client = skilled.client
    before = len(events(client))
    viewer = client.put(level_url("payments", "chen"), json={"level": 1}, headers=as_("chen"))
    assert viewer.status_code == 403, viewer.text
    outsider = client.put(level_url("payments", "amira"), json={"level": 1},
                          headers=as_("mallory"))
    assert outsider.status_code == 404, outsider.text
    assert outsider.json()["field"] == "key"
    assert client.get(f"{API}/services/CLM/skills", headers=as_("mallory")).status_code == 404
    assert len(events(client)) == before


def test_level_four_is_refused_naming_the_level_and_changes_nothing(skilled: Claims) -> None:
    client = skilled.client
    before = len(events(client))
    for bad in (4, -1):
        response = client.put(level_url("payments", "amira"), json={"level": bad})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "level"
        assert "3 (can teach)" in response.json()["message"]
    assert len(events(client)) == before
    assert levels_of(matrix(client), "amira")["payments"]["level"] == 0


def test_a_skill_the_service_does_not_name_and_someone_outside_its_team_are_not_found(
        skilled: Claims) -> None:
    client = skilled.client
    unknown = client.put(level_url("cobol", "amira"), json={"level": 2})
    assert (unknown.status_code, unknown.json()["field"]) == (404, "skill")
    viewer = client.put(level_url("payments", "chen"), json={"level": 2})  # chen: a viewer
    assert (viewer.status_code, viewer.json()["field"]) == (404, "username")


def test_only_a_flow_manager_or_delivery_manager_defines_the_skills(skilled: Claims,
                                                                   as_: As) -> None:
    client = skilled.client
    body = {"skills": [{"name": "audits"}]}
    refused = client.put(f"{API}/services/CLM/skills", json=body, headers=as_("amira"))
    assert refused.status_code == 403, refused.text
    doubled = client.put(f"{API}/services/CLM/skills",
                         json={"skills": [{"name": "FX"}, {"name": "fx"}]})
    assert (doubled.status_code, doubled.json()["field"]) == (422, "skills.name")
    allowed = client.put(f"{API}/services/CLM/skills", json=body, headers=as_("dana"))
    assert allowed.status_code == 200, allowed.text
    assert [s["name"] for s in allowed.json()["skills"]] == ["audits"]


def test_a_skill_only_one_person_can_do_alone_is_a_bus_factor_risk_and_one_nobody_can_a_gap(
        skilled: Claims) -> None:
    client = skilled.client
    for skill, person, level in (("payments", "amira", 3), ("payments", "bruno", 1)):
        assert client.put(level_url(skill, person), json={"level": level}).status_code == 200
    risks = matrix(client)["risks"]
    assert risks == [
        {"skill": "fx", "kind": "gap", "people": [], "sentence": "Nobody can do fx alone."},
        {"skill": "payments", "kind": "single_point", "people": ["amira"],
         "sentence": "Only Amira, a team member can do payments alone: the skill rests on one "
                     "person."},
    ]


def test_the_only_expert_away_today_makes_the_skill_a_gap(skilled: Claims) -> None:
    client = skilled.client
    assert client.put(level_url("payments", "amira"), json={"level": 2}).status_code == 200
    away = client.post(f"{API}/users/amira/absences",
                       json={"starts_on": "2026-03-02", "ends_on": "2026-03-03"})
    assert away.status_code == 201, away.text
    body = matrix(client)
    amira = next(p for p in body["people"] if p["username"] == "amira")
    assert amira["available_today"] is False
    gaps = [r for r in body["risks"] if r["skill"] == "payments"]
    assert gaps[0] == {"skill": "payments", "kind": "gap", "people": ["amira"],
                       "sentence": "Nobody available can do payments alone (Amira, a team "
                                   "member away)."}
    assert gaps[1]["kind"] == "single_point"


# --- availability ---------------------------------------------------------------------------

def test_an_absence_that_ends_before_it_starts_is_refused_naming_ends_on(claims: Claims) -> None:
    client = claims.client
    before = len(events(client))
    response = client.post(f"{API}/users/amira/absences",
                           json={"starts_on": "2026-03-10", "ends_on": "2026-03-09"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "ends_on"
    assert client.get(f"{API}/users/amira/availability").json()["absences"] == []
    assert len(events(client)) == before


@pytest.mark.parametrize("hours", [200, 0, -1, 168.5])
def test_hours_per_week_outside_the_week_are_refused(claims: Claims, hours: float) -> None:
    response = claims.client.put(f"{API}/users/amira/availability",
                                 json={"hours_per_week": hours})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "hours_per_week"
    assert claims.client.get(f"{API}/users/amira/availability").json()["hours_per_week"] == 40


def test_a_person_sets_their_own_hours_and_absences_and_each_is_an_event(
        claims: Claims, settlements: Claims, as_: As) -> None:
    client = claims.client
    hours = client.put(f"{API}/users/amira/availability", json={"hours_per_week": 32},
                       headers=as_("amira"))
    assert hours.status_code == 200, hours.text
    assert (hours.json()["hours_per_week"], hours.json()["hours_set"]) == (32, True)
    away = client.post(f"{API}/users/amira/absences", headers=as_("amira"),
                       json={"starts_on": "2026-04-06", "ends_on": "2026-04-10",
                             "reason": "holiday"})
    assert away.status_code == 201, away.text
    absence_id = away.json()["id"]
    removed = client.delete(f"{API}/users/amira/absences/{absence_id}", headers=as_("amira"))
    assert removed.status_code == 204, removed.text
    for key in ("CLM", "INT"):  # amira works in both: her capacity changes in both
        changes = [(e["kind"], e["actor"], e["payload"]) for e in events(client, key)
                   if e["payload"].get("username") == "amira" and e["item"] is None
                   and e["kind"] != "member_added"]
        dates = {"absence_id": absence_id, "starts_on": "2026-04-06", "ends_on": "2026-04-10"}
        assert changes == [
            ("hours_changed", "amira", {"username": "amira", "hours_per_week": 32.0,
                                        "old_hours_per_week": None}),
            ("absence_added", "amira", {"username": "amira", **dates}),
            ("absence_removed", "amira", {"username": "amira", **dates}),
        ]


def test_a_delivery_manager_sets_a_member_s_availability_and_a_team_member_may_not(
        claims: Claims, as_: As) -> None:
    client = claims.client
    made = client.put(f"{API}/services/CLM/members/dana",
                      json={"roles": ["service_delivery_manager"]})
    assert made.status_code == 200, made.text
    by_sdm = client.put(f"{API}/users/bruno/availability", json={"hours_per_week": 20},
                        headers=as_("dana"))
    assert by_sdm.status_code == 200, by_sdm.text
    by_peer = client.post(f"{API}/users/bruno/absences", headers=as_("amira"),
                          json={"starts_on": "2026-04-06", "ends_on": "2026-04-06"})
    assert by_peer.status_code == 403, by_peer.text
    seen = client.get(f"{API}/users/bruno/availability", headers=as_("amira"))
    assert seen.status_code == 200 and seen.json()["hours_per_week"] == 20


def test_someone_who_shares_no_service_learns_nothing_of_a_person_s_absences(
        claims: Claims, as_: As) -> None:
    client = claims.client
    away = client.post(f"{API}/users/amira/absences",
                       json={"starts_on": "2026-04-06", "ends_on": "2026-04-10"})
    assert away.status_code == 201, away.text
    for url in (f"{API}/users/amira/availability", f"{API}/users/nobody/availability"):
        response = client.get(url, headers=as_("mallory"))
        assert (response.status_code, response.json()["field"]) == (404, "username")
    change = client.post(f"{API}/users/amira/absences", headers=as_("mallory"),
                         json={"starts_on": "2026-04-13", "ends_on": "2026-04-13"})
    assert change.status_code == 404, change.text
    assert len(client.get(f"{API}/users/amira/availability").json()["absences"]) == 1
