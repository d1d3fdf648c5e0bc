"""Card and panel details a new team met on the first day: a delivered card says how long it
took, due dates name a year that is not this one, a due date already past is accepted with
a warning (the web form and the API's `warnings`), and a fixed-offset zone reads
"UTC+01:00", not "Etc/GMT-1"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from flowdesk.analytics.timezones import zone_label
from flowdesk.domain.due_dates import past_due_warning
from flowdesk.domain.items import WorkItem
from flowdesk.web.card_html import card_html
from flowdesk.web.cards import due_of
from flowdesk.web.templating import when

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the tests' clock (tests/conftest.py)
ITEM = WorkItem(id=1, service_id=1, key="CLM-1", title="Refund", stage_id=3, rank=1,
                version=1, arrived_at=NOW - timedelta(days=9))


def age_badge(item: WorkItem, timezone: str = "UTC") -> tuple[str, str]:
    found = re.search(r'<span class="card-age" title="([^"]*)">([^<]*)</span>',
                      str(card_html(item, NOW, "CLM", timezone=timezone)))
    assert found, "no age badge"
    return found.group(1), found.group(2)


# ---- ages ---------------------------------------------------------------------------------

def test_a_card_delivered_the_day_it_was_committed_says_delivered_in_1_day_not_0() -> None:
    item = replace(ITEM, committed_at=NOW - timedelta(hours=3), delivered_at=NOW)
    assert age_badge(item) == ("delivered in 1 day", "1d")


def test_a_delivered_card_counts_calendar_days_in_the_services_zone() -> None:
    # 23:30 UTC on 1 March and 08:00 UTC on 2 March are both 2 March in Brussels.
    item = replace(ITEM, committed_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
                   delivered_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    assert age_badge(item, "Europe/Brussels") == ("delivered in 1 day", "1d")
    assert age_badge(item, "UTC") == ("delivered in 2 days", "2d")
    later = replace(item, delivered_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    assert age_badge(later, "Europe/Brussels") == ("delivered in 4 days", "4d")


def test_a_discarded_card_stops_ageing_when_it_was_discarded() -> None:
    item = replace(ITEM, committed_at=NOW - timedelta(days=8), discarded_at=NOW - timedelta(days=6))
    assert age_badge(item) == ("discarded after 3 days in progress", "3d")


def test_a_card_in_progress_still_counts_days_since_commitment() -> None:
    # Committed two days before today: its third calendar day (docs/metrics.md, "Age").
    item = replace(ITEM, committed_at=NOW - timedelta(days=2, hours=1))
    assert age_badge(item) == (
        "3 calendar days since commitment (day 1 is the day of commitment)", "3d")


# ---- due dates and their year -------------------------------------------------------------

@pytest.mark.parametrize(("due", "label"), [
    (date(2026, 2, 27), "Overdue · 27 Feb"),
    (date(2025, 12, 20), "Overdue · 20 Dec 2025"),
    (date(2026, 3, 2), "Due today · 2 Mar"),
    (date(2026, 4, 9), "Due 9 Apr"),
    (date(2027, 1, 5), "Due 5 Jan 2027"),
])
def test_a_due_badge_names_the_year_only_when_it_is_not_this_one(due: date, label: str) -> None:
    found = due_of(replace(ITEM, due_date=due), NOW)
    assert found is not None and found.label == label


def test_this_year_is_the_services_local_year() -> None:
    new_year_in_auckland = datetime(2025, 12, 31, 12, 0, tzinfo=UTC)  # 1 Jan 2026 there
    item = replace(ITEM, due_date=date(2025, 12, 30))
    auckland = due_of(item, new_year_in_auckland, "Pacific/Auckland")
    utc = due_of(item, new_year_in_auckland, "UTC")
    assert auckland is not None and auckland.label == "Overdue · 30 Dec 2025"
    assert utc is not None and utc.label == "Overdue · 30 Dec"


# ---- a due date already past: a warning, not a refusal ------------------------------------

def test_a_past_due_date_is_judged_at_the_end_of_the_local_day() -> None:
    assert past_due_warning(date(2026, 3, 2), NOW, "UTC") is None  # today
    assert past_due_warning(date(2026, 3, 9), NOW, "UTC") is None
    assert past_due_warning(None, NOW, "UTC") is None
    warning = past_due_warning(date(2026, 3, 1), NOW, "UTC")
    assert warning is not None and warning.field == "due_date"
    assert "1 Mar 2026 has already passed (yesterday" in warning.message
    # 1 March ends at 10:00 UTC on 1 March in Kiritimati (UTC+14): long past by 09:00 on the 2nd;
    # in Honolulu (UTC-10) it is still 1 March at 09:00 UTC on the 2nd, so not past.
    assert past_due_warning(date(2026, 3, 1), NOW, "Pacific/Kiritimati") is not None
    assert past_due_warning(date(2026, 3, 1), NOW, "Pacific/Honolulu") is None


def test_the_api_creates_an_item_with_a_past_due_date_and_warns(client: TestClient,
                                                                 seeded: Seeded) -> None:
    late = client.post("/api/v1/services/CLM/items",
                       json={"title": "Refund owed since January", "due_date": "2026-01-15"})
    assert late.status_code == 201, late.text
    body = late.json()
    assert body["due_date"] == "2026-01-15"
    assert [w["field"] for w in body["warnings"]] == ["due_date"]
    assert "15 Jan 2026 has already passed (46 days ago" in body["warnings"][0]["message"]
    assert client.get(f"/api/v1/items/{body['key']}").json()["due_date"] == "2026-01-15"
    fine = client.post("/api/v1/services/CLM/items",
                       json={"title": "Refund due next week", "due_date": "2026-03-09"})
    assert fine.status_code == 201 and fine.json()["warnings"] == []
    none = client.post("/api/v1/services/CLM/items", json={"title": "No date"})
    assert none.status_code == 201 and none.json()["warnings"] == []


def test_the_web_form_creates_an_item_with_a_past_due_date_and_says_so(
        web: TestClient, seeded: Seeded) -> None:
    form = {"title": "Claim from last month", "due_date": "2026-02-10"}
    part = web_post(web, "/services/CLM/items", {**form, "idempotency_key": "late-1"},
                    htmx=True)
    assert part.status_code == 200
    notice = re.search(r'<div class="notice notice-warn" role="status">([^<]*)</div>', part.text)
    assert notice, part.text[:2000]
    assert "Created, but the due date 10 Feb 2026 has already passed (20 days ago" in notice[1]
    # Without htmx: the redirect to the new item carries the warning to its page.
    page = web_post(web, "/services/CLM/items", {**form, "idempotency_key": "late-2"})
    assert page.status_code == 303
    assert page.headers["location"].endswith("?warning=due_date")
    shown = web.get(page.headers["location"])
    assert "Created, but the due date 10 Feb 2026 has already passed" in shown.text
    # A date still to come creates the item without a word.
    fine = web_post(web, "/services/CLM/items", {"title": "Next week", "due_date": "2026-03-09"})
    assert fine.status_code == 303 and "warning" not in fine.headers["location"]
    assert "notice-warn" not in web.get(fine.headers["location"]).text


# ---- zones as people read them ------------------------------------------------------------

@pytest.mark.parametrize(("name", "label"), [
    ("Etc/GMT-1", "UTC+01:00"), ("Etc/GMT+5", "UTC-05:00"), ("Etc/GMT-14", "UTC+14:00"),
    ("Etc/GMT", "UTC"), ("Etc/UTC", "UTC"), ("+05:30", "UTC+05:30"), ("-03:00", "UTC-03:00"),
    ("Europe/Brussels", "Europe/Brussels"), ("UTC", "UTC"),
])
def test_a_zone_is_shown_as_people_read_it(name: str, label: str) -> None:
    assert zone_label(name) == label


def test_times_in_an_etc_zone_say_the_offset() -> None:
    assert when(NOW, "Etc/GMT-1") == "2 Mar 2026, 10:00 UTC+01:00"
    assert when(NOW, "Etc/GMT+5") == "2 Mar 2026, 04:00 UTC-05:00"
    assert when(NOW, "Europe/Brussels") == "2 Mar 2026, 10:00 CET"


def test_an_imported_services_zone_reads_utc_plus_one_on_its_pages_and_charts(
        client: TestClient) -> None:
    made = client.post("/api/v1/services", json={"key": "BPI", "name": "Imported incidents",
                                                 "timezone": "Etc/GMT-1"})
    assert made.status_code == 201, made.text
    item = client.post("/api/v1/services/BPI/items", json={"title": "VPN down"}).json()
    panel = client.get(f"/services/BPI/items/{item['key']}").text
    assert "2 Mar 2026, 10:00 UTC+01:00" in panel
    assert "Etc/GMT" not in panel
    charts = client.get("/api/v1/services/BPI/metrics/charts").json()
    assert charts["period"]["timezone"] == "Etc/GMT-1"  # the zone's name, for programs
    assert charts["period"]["timezone_label"] == "UTC+01:00"  # and for people
    agreements = client.get("/services/BPI/agreements").text
    assert "this service&#39;s zone is UTC+01:00" in agreements or \
        "this service's zone is UTC+01:00" in agreements
