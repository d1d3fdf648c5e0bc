"""Issue 10's bad input, all of it in one table: each request is a 422 that names the field, and
nothing changes anywhere in the database (not a row, not an event)."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import API, create_service
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flowdesk.storage.tables import metadata

BRUSSELS = {"timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "working_hours": ["09:00", "17:00"], "holidays": ["2026-12-25"]}
AGREEMENT: dict[str, Any] = {
    "customer": None, "class_of_service": None, "calendar": BRUSSELS,
    "target": {"value": 1, "unit": "working_days", "share": 0.85}, "cut_off": "12:00"}
AGREEMENTS = f"{API}/services/BRU/agreements"
ICS_BROKEN = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2026-13-45\r\n"


def agreement(**change: Any) -> dict[str, Any]:
    return {**AGREEMENT, **change}


def target(value: Any = 1, share: Any = 0.85) -> dict[str, Any]:
    return {"value": value, "unit": "working_days", "share": share}


# (what, method, url, body, the field the answer names)
CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("an unknown time zone in an agreement's calendar", "POST", AGREEMENTS,
     agreement(calendar={**BRUSSELS, "timezone": "Mars/Olympus"}), "calendar.timezone"),
    ("an unknown time zone in a registry calendar", "POST", f"{API}/calendars",
     {"key": "mars", **BRUSSELS, "timezone": "Mars/Olympus"}, "timezone"),
    ("an unknown time zone in a new version", "PUT", f"{AGREEMENTS}/{{agreement}}",
     agreement(calendar={**BRUSSELS, "timezone": "Europe/Atlantis"}), "calendar.timezone"),
    ("a cut-off of 24:00", "POST", AGREEMENTS, agreement(cut_off="24:00"), "cut_off"),
    ("a cut-off of 12:60", "POST", AGREEMENTS, agreement(cut_off="12:60"), "cut_off"),
    ("a negative cut-off", "POST", AGREEMENTS, agreement(cut_off="-1:00"), "cut_off"),
    ("a cut-off in a new version", "PUT", f"{AGREEMENTS}/{{agreement}}",
     agreement(cut_off="25:00"), "cut_off"),
    ("a share of 0", "POST", AGREEMENTS, agreement(target=target(share=0)), "target.share"),
    ("a negative share", "POST", AGREEMENTS, agreement(target=target(share=-0.5)),
     "target.share"),
    ("a share above 1", "POST", AGREEMENTS, agreement(target=target(share=1.01)),
     "target.share"),
    ("a share above 1 in a new version", "PUT", f"{AGREEMENTS}/{{agreement}}",
     agreement(target=target(share=2)), "target.share"),
    ("a target of 0", "POST", AGREEMENTS, agreement(target=target(value=0)), "target.value"),
    ("a target of 0 in a new version", "PUT", f"{AGREEMENTS}/{{agreement}}",
     agreement(target=target(value=0)), "target.value"),
    ("an .ics file that does not parse", "POST", f"{API}/calendars/brussels/holidays",
     {"ics": "BEGIN:nonsense"}, "ics"),
    ("an .ics file cut short, with an impossible date", "POST",
     f"{API}/calendars/brussels/holidays", {"ics": ICS_BROKEN}, "ics"),
    ("an agreement for a customer that does not exist", "POST", AGREEMENTS,
     agreement(customer="no-such-customer", class_of_service="expedite"), "customer"),
    ("an agreement for a class that does not exist", "POST", AGREEMENTS,
     agreement(class_of_service="platinum"), "class_of_service"),
    ("a second service-wide agreement", "POST", AGREEMENTS, agreement(cut_off="10:00"),
     "service"),
    ("a second agreement for the same customer and class", "POST", AGREEMENTS,
     agreement(customer="nordlys", class_of_service="expedite"), "customer"),
    ("a new version that overlaps another agreement", "PUT", f"{AGREEMENTS}/{{agreement}}",
     agreement(customer="nordlys", class_of_service="expedite"), "customer"),
]


def snapshot(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table."""
    with engine.connect() as conn:
        return {table.name: sorted((tuple(str(v) for v in row)
                                    for row in conn.execute(select(table))), key=repr)
                for table in metadata.sorted_tables}


@pytest.fixture
def world(client: TestClient) -> dict[str, Any]:
    """BRU (Brussels) with a service-wide agreement and one for Nordlys's expedite claims; a
    registry calendar `brussels`; the customer `nordlys`."""
    create_service(client, key="BRU", name="Brussels desk", timezone="Europe/Brussels")
    for url, body in [(f"{API}/calendars", {"key": "brussels", **BRUSSELS}),
                      (f"{API}/customers", {"key": "nordlys", "name": "Nordlys Reiser"})]:
        made = client.post(url, json=body)
        assert made.status_code == 201, made.text
    wide = client.post(AGREEMENTS, json=AGREEMENT)
    assert wide.status_code == 201, wide.text
    narrow = client.post(AGREEMENTS, json=agreement(customer="nordlys",
                                                    class_of_service="expedite"))
    assert narrow.status_code == 201, narrow.text
    return {"agreement": wide.json()["id"]}


@pytest.mark.parametrize(("what", "method", "url", "body", "field"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
        client: TestClient, engine: Engine, world: dict[str, Any], what: str, method: str,
        url: str, body: dict[str, Any], field: str) -> None:
    before = snapshot(engine)
    response = client.request(method, url.format(**world), json=body)
    assert response.status_code == 422, (what, response.text)
    assert response.json()["field"] == field, (what, response.json())
    assert response.json()["message"], what
    assert snapshot(engine) == before, f"{what} changed something"
