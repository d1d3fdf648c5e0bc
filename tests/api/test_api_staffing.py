"""Load, staffing suggestions and lending through the API, on a small organisation built by
hand, every expected figure worked out by hand.

SUP (support) is overloaded: 6 committed items against amira and bruno, personal WIP
limits 2 each (capacity 4); nobody there can do payments alone (amira is learning it).
OPS (operations) has slack: 2 committed items (one of them ana's) against ana, ben, chen
and dana, limits 3 each; dana is away this week, so capacity is 9. Payments: ana 3 (can
teach), ben 1 (learning), chen 2, dana 3. Olivia (an admin) manages both but works in
neither. Every item arrived today: no history, so the baselines expect no arrivals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_helpers import API
from fastapi.testclient import TestClient

from cast import token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.unit_of_work import UnitOfWork

As = Callable[[str], dict[str, str]]
WORKFLOW = [
    {"name": "Options", "phase": "upstream", "kind": "queue"},
    {"name": "Doing", "phase": "committed", "kind": "activity"},
    {"name": "Done", "phase": "done", "kind": "queue"},
    {"name": "Dropped", "phase": "discarded", "kind": "queue"},
]
MANAGER = ["service_delivery_manager", "flow_manager"]


@pytest.fixture
def as_(uow: UnitOfWork) -> As:
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = token_of(uow, username)
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def make_service(client: TestClient, key: str, team: list[str], skills: list[str],
                 committed: list[dict[str, Any]]) -> dict[str, int]:
    """A service with this team, needing these skills, with committed items (their fields).
    Olivia keeps only managing roles once the items are in."""
    body = ok(client.post(f"{API}/services", json={"key": key, "name": key,
                                                   "stages": WORKFLOW}), 201)
    stage = {s["name"]: s["id"] for s in body["stages"]}
    for name in team:
        ok(client.put(f"{API}/services/{key}/members/{name}", json={"roles": ["team_member"]}))
    ok(client.put(f"{API}/services/{key}/skills",
                  json={"skills": [{"name": s} for s in skills]}))
    for n, fields in enumerate(committed):
        commit(client, stage, {"title": f"{key} work {n}", **fields}, key)
    ok(client.put(f"{API}/services/{key}/members/olivia", json={"roles": MANAGER}))
    return stage


def commit(client: TestClient, stage: dict[str, int], item: dict[str, Any], key: str) -> None:
    """Create an item and pull it over the commitment point."""
    made = ok(client.post(f"{API}/services/{key}/items", json=item), 201)
    ok(client.post(f"{API}/items/{made['key']}/move", json={"to_stage": stage["Doing"]}))


def set_levels(client: TestClient, key: str, skill: str, levels: dict[str, int]) -> None:
    for name, level in levels.items():
        ok(client.put(f"{API}/services/{key}/skills/{skill}/people/{name}",
                      json={"level": level}))


@pytest.fixture
def org(client: TestClient) -> TestClient:
    for name, limit in (("amira", 2), ("bruno", 2), ("ana", 3), ("ben", 3), ("chen", 3),
                        ("dana", 3)):
        ok(client.patch(f"{API}/users/{name}", json={"wip_limit": limit}))
    make_service(client, "SUP", ["amira", "bruno"], ["payments"], [{}] * 6)
    make_service(client, "OPS", ["ana", "ben", "chen", "dana"], ["payments"],
                 [{"assignees": ["ana"]}, {}])
    set_levels(client, "SUP", "payments", {"amira": 1})
    set_levels(client, "OPS", "payments", {"ana": 3, "ben": 1, "chen": 2, "dana": 3})
    ok(client.post(f"{API}/users/dana/absences",
                   json={"starts_on": "2026-03-02", "ends_on": "2026-03-06"}), 201)
    return client


def staffing(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return dict(ok(client.get(f"{API}/staffing", headers=headers)))


def capacity(client: TestClient, key: str, **params: Any) -> dict[str, Any]:
    return dict(ok(client.get(f"{API}/services/{key}/capacity", params=params)))


def lend(client: TestClient, username: str, until: str, key: str = "OPS", to: str = "SUP",
         headers: dict[str, str] | None = None) -> Any:
    return client.post(f"{API}/services/{key}/lendings", headers=headers,
                       json={"username": username, "to_service": to, "until": until})


def figures(load: dict[str, Any]) -> tuple[Any, ...]:
    return (load["open_wip"], load["expected"], load["demand"], load["capacity"],
            load["slack"], load["overloaded"])


def test_the_loads_are_demand_against_the_capacity_of_the_people_here_today(
        org: TestClient) -> None:
    body = staffing(org)
    loads = {s["service"]: s for s in body["services"]}
    assert list(loads) == ["OPS", "SUP"]
    assert figures(loads["SUP"]) == (6, 0, 6, 4, -2, True)
    assert figures(loads["OPS"]) == (2, 0, 2, 9, 7, False)
    assert loads["SUP"]["sentence"] == ("SUP has 6 items of work (6 open, 0 expected) against "
                                        "a capacity of 4.")
    ops = {p["username"]: p for p in loads["OPS"]["people"]}
    assert (ops["ana"]["wip"], ops["ana"]["room"], ops["ana"]["share"]) == (1, 2, 3)
    assert ops["dana"]["available"] is False


def test_the_expert_and_learner_pair_is_suggested_with_its_reasons(org: TestClient) -> None:
    suggestions = staffing(org)["suggestions"]
    assert len(suggestions) == 1  # the pair covers SUP's shortfall of 2 on its own
    pair = suggestions[0]
    assert [p["username"] for p in pair["people"]] == ["ana", "ben"]
    assert (pair["from_service"], pair["to_service"], pair["skill"]) == ("OPS", "SUP",
                                                                         "payments")
    # 4 x 2/6 (shortfall) + 3 (gap) + 2 (pair) + 1 (teacher) + 0.5 x 2 (ana's room)
    # + 1 x (7 - 6) / 9 (OPS's slack left) = 8.444
    assert pair["score"] == 8.444
    assert pair["reasons"] == [
        "SUP is overloaded and OPS has slack.",
        "SUP has 6 items of work (6 open, 0 expected) against a capacity of 4.",
        "Nobody available in SUP can do payments alone.",
        "Ana Lima can teach payments (level 3) and can pull 2 more items (1 of 3).",
        "Ben Okafor is learning payments (level 1) and goes along with Ana Lima: an expert "
        "with a learner gets the work done and spreads the skill.",
        "OPS keeps a capacity of 3 for 2 items of work, so lending does not overload it.",
    ]


def test_an_absent_person_is_never_suggested_and_is_once_back(org: TestClient) -> None:
    assert all("dana" not in [p["username"] for p in s["people"]]
               for s in staffing(org)["suggestions"])
    absence = ok(org.get(f"{API}/users/dana/availability"))["absences"][0]["id"]
    ok(org.delete(f"{API}/users/dana/absences/{absence}"), 204)
    # Back, dana has more room than ana: 4/3 + 3 + 2 + 1 + 1.5 + (10 - 6)/12 = 9.167.
    back = staffing(org)["suggestions"]
    assert [([p["username"] for p in s["people"]], s["score"]) for s in back] == [
        (["dana", "ben"], 9.167)]


def test_following_the_suggestion_does_not_overload_the_lending_service(org: TestClient) -> None:
    for name in ("ana", "ben"):
        ok(lend(org, name, "2026-03-06"), 201)
    # ana and ben now work in both: each gives OPS 3 / 2 = 1.5, and SUP as much.
    assert figures(capacity(org, "OPS")) == (2, 0, 2, 6, 4, False)
    assert figures(capacity(org, "SUP")) == (6, 0, 6, 7, 1, False)
    assert staffing(org)["suggestions"] == []


def test_a_lending_is_an_event_in_both_services_with_who_decided_it(org: TestClient) -> None:
    lent = ok(lend(org, "chen", "2026-03-04"), 201)
    assert lent["ends_at"] == "2026-03-05T00:00:00Z"
    assert (lent["roles"], lent["decided_by"]) == (["team_member"], "olivia")
    for key, kind in (("OPS", "person_lent"), ("SUP", "person_borrowed")):
        last = ok(org.get(f"{API}/services/{key}/events", params={"limit": 1000}))["events"][-1]
        assert (last["kind"], last["actor"]) == (kind, "olivia")
        assert last["payload"] == {"username": "chen", "from_service": "OPS",
                                   "to_service": "SUP", "until": "2026-03-04",
                                   "ends_at": "2026-03-05T00:00:00+00:00",
                                   "roles": ["team_member"]}


def test_the_temporary_membership_ends_by_itself_at_its_date(org: TestClient, as_: As,
                                                             clock: FixedClock) -> None:
    ok(lend(org, "chen", "2026-03-04"), 201)
    assert org.get(f"{API}/services/SUP", headers=as_("chen")).status_code == 200
    clock.set(datetime(2026, 3, 4, 23, 59, tzinfo=UTC))  # the last day of the lending
    assert org.get(f"{API}/services/SUP", headers=as_("chen")).status_code == 200
    clock.set(datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC))  # past `until`
    assert org.get(f"{API}/services/SUP", headers=as_("chen")).status_code == 404
    members = [m["username"] for m in ok(org.get(f"{API}/services/SUP/members"))["members"]]
    assert "chen" not in members
    assert "chen" not in [p["username"] for p in capacity(org, "SUP")["people"]]


def count_events(client: TestClient) -> int:
    return sum(len(ok(client.get(f"{API}/services/{key}/events",
                                 params={"limit": 1000}))["events"]) for key in ("OPS", "SUP"))


def test_lending_someone_absent_or_until_a_past_date_is_refused_and_changes_nothing(
        org: TestClient) -> None:
    ok(org.post(f"{API}/users/ben/absences",
                json={"starts_on": "2026-03-09", "ends_on": "2026-03-09"}), 201)
    before = count_events(org)
    for username, until, field, words in (
            ("ana", "2026-03-01", "until", "in the past"),
            ("dana", "2026-03-10", "username", "absent"),  # away all this week
            ("ben", "2026-03-10", "username", "absent"),  # away on Monday the 9th only
    ):
        response = lend(org, username, until)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert words in response.json()["message"]
    assert count_events(org) == before
    members = ok(org.get(f"{API}/services/SUP/members"))["members"]
    assert {"ana", "ben", "dana"}.isdisjoint(m["username"] for m in members)
    ok(lend(org, "ben", "2026-03-06"), 201)  # back before his day off: he may go


def test_lending_someone_at_their_personal_wip_limit_is_refused(org: TestClient) -> None:
    ok(org.patch(f"{API}/users/ana", json={"wip_limit": 1}))  # ana holds 1 committed item
    before = count_events(org)
    response = lend(org, "ana", "2026-03-06")
    assert (response.status_code, response.json()["field"]) == (422, "username")
    assert response.json()["message"] == ("ana already has 1 committed items, their personal "
                                          "WIP limit of 1: they cannot take more work")
    assert count_events(org) == before


def test_only_the_lending_service_s_delivery_manager_or_an_admin_lends(org: TestClient,
                                                                      as_: As) -> None:
    refused = lend(org, "bruno", "2026-03-06", key="SUP", to="OPS", headers=as_("amira"))
    assert refused.status_code == 403, refused.text
    ok(org.put(f"{API}/services/OPS/members/mehdi",
               json={"roles": ["service_delivery_manager"]}))
    unseen = lend(org, "chen", "2026-03-06", headers=as_("mehdi"))  # mehdi is not in SUP
    assert (unseen.status_code, unseen.json()["field"]) == (422, "to_service")
    ok(org.put(f"{API}/services/SUP/members/mehdi", json={"roles": ["viewer"]}))
    ok(lend(org, "chen", "2026-03-06", headers=as_("mehdi")), 201)
    again = lend(org, "chen", "2026-03-06")
    assert (again.status_code, again.json()["field"]) == (409, "username")


def test_staffing_covers_only_the_services_the_caller_is_a_member_of(org: TestClient,
                                                                     as_: As) -> None:
    seen = staffing(org, as_("amira"))  # a team member of SUP only
    assert [s["service"] for s in seen["services"]] == ["SUP"]
    assert seen["suggestions"] == []  # no service she can see has slack
    assert staffing(org, as_("mallory")) == {"days": 2, "services": [], "suggestions": []}
    assert org.get(f"{API}/services/OPS/capacity", headers=as_("amira")).status_code == 404


def test_an_item_past_its_due_date_overloads_a_service_with_room(client: TestClient) -> None:
    make_service(client, "RSK", ["zoe"], [], [{"due_date": "2026-03-01"}])
    load = capacity(client, "RSK")
    assert (load["open_wip"], load["capacity"], load["at_risk"], load["overloaded"]) == (
        1, 3, 1, True)  # zoe, with no limit set, counts as the default 3
    assert load["sentence"] == ("RSK has 1 items of work (1 open, 0 expected) against a "
                                "capacity of 3, and 1 items at risk.")


def test_expected_arrivals_are_the_usual_rest_of_today_and_next_working_days(
        client: TestClient, clock: FixedClock) -> None:
    monday = clock.now()  # Monday 2 March 2026, 09:00 UTC
    make_service(client, "ARR", ["zoe"], [], [])
    ok(client.put(f"{API}/services/ARR/members/olivia",  # to create items, not work them
                  json={"roles": ["service_request_manager", *MANAGER]}))
    for week in range(1, 9):  # 2 on Mondays and Tuesdays, 1 on Wednesdays, all at 10:00
        for offset, count in ((0, 2), (1, 2), (2, 1)):
            clock.set(monday - timedelta(weeks=week, hours=-1) + timedelta(days=offset))
            for n in range(count):
                ok(client.post(f"{API}/services/ARR/items", json={"title": f"{week} {n}"}), 201)
    clock.set(monday)
    load = capacity(client, "ARR")
    assert [(d["day"], d["expected"], d["whole_day"]) for d in load["days"]] == [
        ("2026-03-02", 2, False), ("2026-03-03", 2, True), ("2026-03-04", 1, True)]
    assert (load["open_wip"], load["expected"], load["demand"]) == (0, 5, 5)
    assert capacity(client, "ARR", days=0)["expected"] == 2
    clock.set(monday + timedelta(days=4))  # Friday: the weekend is skipped
    friday = capacity(client, "ARR")
    assert [(d["day"], d["expected"]) for d in friday["days"]] == [
        ("2026-03-06", 0), ("2026-03-09", 2), ("2026-03-10", 2)]
    # A calendar for the whole service, with Tuesday 3 March a holiday: today (Monday) is
    # as usual, the holiday expects nothing and is skipped like a weekend.
    clock.set(monday)
    ok(client.post(f"{API}/services/ARR/agreements", json={
        "customer": None, "class_of_service": None,
        "calendar": {"timezone": "UTC", "working_days": ["mon", "tue", "wed", "thu", "fri"],
                     "working_hours": ["09:00", "17:00"], "holidays": ["2026-03-03"]},
        "target": {"value": 2, "unit": "working_days", "share": 0.85}, "cut_off": None}), 201)
    holiday = capacity(client, "ARR")
    assert [(d["day"], d["expected"]) for d in holiday["days"]] == [
        ("2026-03-02", 2), ("2026-03-04", 1), ("2026-03-05", 0)]
