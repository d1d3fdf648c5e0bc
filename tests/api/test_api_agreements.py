"""Agreements through the API: the issue's example, versions, the registry, bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_helpers import API, Claims, create_service
from fastapi.testclient import TestClient

from flowdesk.domain.clock import FixedClock

BRUSSELS = {"timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "working_hours": ["09:00", "17:00"], "holidays": ["2026-12-25"]}
EXAMPLE: dict[str, Any] = {
    "customer": None, "class_of_service": None, "calendar": BRUSSELS,
    "target": {"value": 1, "unit": "working_days", "share": 0.85}, "cut_off": "12:00"}
URL = f"{API}/services/BRU/agreements"


def brussels(text: str) -> datetime:
    """A Brussels wall-clock time ("2026-03-03 11:40") as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.fixture
def desk(client: TestClient) -> Claims:
    """A service in Brussels."""
    return create_service(client, key="BRU", name="Brussels desk", timezone="Europe/Brussels")


def post(client: TestClient, body: dict[str, Any], url: str = URL) -> dict[str, Any]:
    response = client.post(url, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def arrive(desk: Claims, clock: FixedClock, at: str, **fields: Any) -> dict[str, Any]:
    clock.set(brussels(at))
    return desk.new_item("Refund", **fields)


def test_the_issue_s_example(desk: Claims, clock: FixedClock) -> None:
    made = post(desk.client, EXAMPLE)
    assert (made["version"], made["service"], made["customer"]) == (1, "BRU", None)
    assert made["target"] == {"value": 1, "unit": "working_days", "share": 0.85,
                              "text": "85% within 1 working day"}
    assert made["calendar"]["key"] is None and made["cut_off"] == "12:00"
    for arrived, due in (("2026-03-03 11:40", "2026-03-03T17:00:00+01:00"),
                         ("2026-03-03 12:10", "2026-03-04T17:00:00+01:00"),
                         ("2026-03-07 10:00", "2026-03-09T17:00:00+01:00"),
                         ("2026-12-25 10:00", "2026-12-28T17:00:00+01:00")):
        item = arrive(desk, clock, arrived)
        assert item["due_at"] == due, arrived
        assert item["agreement"] == {"id": made["id"], "version": 1}
        assert item["entitlement"].endswith("(Europe/Brussels)")
    summer = arrive(desk, clock, "2026-07-07 11:40")
    assert summer["due_at"] == "2026-07-07T17:00:00+02:00"  # the offset of the day
    assert summer["entitlement"] == ("same day: received Tue 11:40, before the 12:00 cut-off; "
                                     "due Tue 17:00 (Europe/Brussels)")
    got = desk.client.get(f"{API}/items/{summer['key']}").json()
    assert got["due_at"] == summer["due_at"] and got["agreement"] == summer["agreement"]


def test_an_item_without_an_agreement_has_no_due_time(desk: Claims) -> None:
    item = desk.new_item("Refund")
    assert (item["due_at"], item["entitlement"], item["agreement"]) == (None, "", None)


def test_versions_leave_past_items_due_dates_unchanged(desk: Claims, clock: FixedClock) -> None:
    made = post(desk.client, EXAMPLE)
    before = arrive(desk, clock, "2026-03-03 11:40")
    changed = desk.client.put(f"{URL}/{made['id']}", json={
        **EXAMPLE, "name": "Two days", "target": {"value": 2, "unit": "working_days",
                                                  "share": 0.9}})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["version"] == 2 and body["name"] == "Two days"
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["ended_at"] is not None and body["versions"][1]["ended_at"] is None
    after = arrive(desk, clock, "2026-03-03 11:40")
    assert after["due_at"] == "2026-03-04T17:00:00+01:00"
    assert after["agreement"] == {"id": made["id"], "version": 2}
    kept = desk.client.get(f"{API}/items/{before['key']}").json()
    assert kept["due_at"] == "2026-03-03T17:00:00+01:00"
    assert kept["agreement"] == {"id": made["id"], "version": 1}
    assert kept["entitlement"] == before["entitlement"]
    listed = desk.client.get(URL).json()
    assert [(a["id"], a["version"]) for a in listed] == [(made["id"], 2)]
    retired = desk.client.delete(f"{URL}/{made['id']}")
    assert retired.status_code == 200 and retired.json()["retired_at"] is not None
    assert arrive(desk, clock, "2026-03-03 11:40")["agreement"] is None
    assert desk.client.put(f"{URL}/{made['id']}", json=EXAMPLE).status_code == 409
    events = desk.client.get(f"{API}/services/BRU/events", params={"limit": 1000})
    kinds = [e["kind"] for e in events.json()["events"] if e["kind"].startswith("agreement")]
    assert kinds == ["agreement_created", "agreement_changed", "agreement_retired"]


def test_customer_and_class_agreements_and_the_registry(desk: Claims,
                                                        clock: FixedClock) -> None:
    client = desk.client
    acme = client.post(f"{API}/customers", json={
        "name": "ACME Corp", "contacts": [{"name": "Ada Ng", "email": "ada@acme.example"}]})
    assert acme.status_code == 201, acme.text
    assert acme.json() == {"key": "acme-corp", "name": "ACME Corp",
                           "contacts": [{"name": "Ada Ng", "email": "ada@acme.example"}]}
    listed = client.get(f"{API}/customers").json()
    assert [c["key"] for c in listed] == ["acme-corp"]
    hours = {"value": 4, "unit": "working_hours", "share": 0.9}
    general = post(client, {**EXAMPLE})
    vip = post(client, {**EXAMPLE, "cut_off": None, "customer": "acme-corp", "target": hours})
    fast = post(client, {**EXAMPLE, "class_of_service": "expedite", "cut_off": None,
                         "target": {"value": 2, "unit": "working_hours", "share": 0.95}})
    assert (vip["customer"], fast["class_of_service"]) == ("acme-corp", "expedite")
    at = "2026-03-03 10:00"
    assert arrive(desk, clock, at)["agreement"]["id"] == general["id"]
    assert arrive(desk, clock, at, customer="Acme Corp")["agreement"]["id"] == vip["id"]
    assert arrive(desk, clock, at, class_of_service="expedite")["agreement"]["id"] == fast["id"]
    item = arrive(desk, clock, at, customer="acme-corp", class_of_service="expedite")
    assert item["agreement"]["id"] == vip["id"]  # a customer outranks a class
    assert item["due_at"] == "2026-03-03T14:00:00+01:00"


def test_a_registry_calendar_by_key_and_holidays_from_an_ics_file(desk: Claims,
                                                                 clock: FixedClock) -> None:
    client = desk.client
    made = client.post(f"{API}/calendars", json={"key": "brussels", "name": "Brussels",
                                                 **BRUSSELS})
    assert made.status_code == 201, made.text
    assert made.json()["working_hours"] == ["09:00", "17:00"]
    agreement = post(client, {**EXAMPLE, "calendar": "brussels"})
    assert agreement["calendar"]["key"] == "brussels"
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
           "DTSTART;VALUE=DATE:20260304\r\nSUMMARY:Closed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    added = client.post(f"{API}/calendars/brussels/holidays", json={"ics": ics})
    assert added.status_code == 200, added.text
    assert added.json()["added"] == ["2026-03-04"] and added.json()["agreements_revised"] == 1
    item = arrive(desk, clock, "2026-03-03 12:10")  # after the cut-off: Thursday, not Wed
    assert item["due_at"] == "2026-03-05T17:00:00+01:00"
    assert item["agreement"] == {"id": agreement["id"], "version": 2}
    bad = client.post(f"{API}/calendars/brussels/holidays", json={"ics": "BEGIN:nonsense"})
    assert bad.status_code == 422 and bad.json()["field"] == "ics"
    assert client.post(f"{API}/calendars/nowhere/holidays",
                       json={"dates": ["2026-05-01"]}).status_code == 404
    assert [c["key"] for c in client.get(f"{API}/calendars").json()] == ["brussels"]


BAD = [
    ({"calendar": {**BRUSSELS, "timezone": "Mars/Olympus"}}, "calendar.timezone"),
    ({"cut_off": "24:00"}, "cut_off"),
    ({"cut_off": "-1:00"}, "cut_off"),
    ({"target": {"value": 1, "unit": "working_days", "share": 0}}, "target.share"),
    ({"target": {"value": 1, "unit": "working_days", "share": 1.01}}, "target.share"),
    ({"target": {"value": 0, "unit": "working_days", "share": 0.8}}, "target.value"),
    ({"customer": "no-such-customer"}, "customer"),
    ({"class_of_service": "platinum"}, "class_of_service"),
    ({"calendar": "no-such-calendar"}, "calendar"),
    ({"calendar": {**BRUSSELS, "working_days": ["someday"]}}, "calendar.working_days"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
        desk: Claims, change: dict[str, Any], field: str) -> None:
    client = desk.client
    seq = client.get(f"{API}/services/BRU/events").json()["next_cursor"]
    response = client.post(URL, json={**EXAMPLE, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert client.get(URL).json() == []
    assert client.get(f"{API}/services/BRU/events").json()["next_cursor"] == seq


def test_overlapping_agreements_of_the_same_specificity_are_a_422(desk: Claims) -> None:
    post(desk.client, EXAMPLE)
    response = desk.client.post(URL, json={**EXAMPLE, "cut_off": "10:00"})
    assert response.status_code == 422 and response.json()["field"] == "service"
    post(desk.client, {**EXAMPLE, "class_of_service": "fixed_date"})
    again = desk.client.post(URL, json={**EXAMPLE, "class_of_service": "fixed_date"})
    assert again.status_code == 422 and again.json()["field"] == "class_of_service"


def test_an_agreement_of_another_service_is_not_found_there(desk: Claims,
                                                           client: TestClient) -> None:
    made = post(client, EXAMPLE)
    create_service(client, key="OTH", name="Other desk")
    assert client.get(f"{API}/services/OTH/agreements/{made['id']}/versions").status_code == 404
    assert client.get(f"{API}/services/BRU/agreements/{made['id']}/versions").json()["id"] == \
        made["id"]
    assert client.delete(f"{API}/services/OTH/agreements/{made['id']}").status_code == 404
