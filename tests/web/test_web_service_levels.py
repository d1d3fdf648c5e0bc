"""Service levels on the web: due badges turn at the service's local midnight, a card shows
its entitlement's short form and the working time left in the service's zone, and the item
detail names the agreement, its version and why it applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from flowdesk.domain.calendars import Calendar
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.items import WorkItem
from flowdesk.web.card_html import card_html
from flowdesk.web.cards import due_of, sla_of

BRUSSELS = ZoneInfo("Europe/Brussels")
ITEM = WorkItem(id=1, service_id=1, key="BRU-1", title="Refund", stage_id=3, rank=1,
                version=1, arrived_at=datetime(2026, 3, 3, 10, 40, tzinfo=UTC))  # 11:40 local
CALENDAR = Calendar("Europe/Brussels")  # Monday to Friday, 09:00-17:00
SAME_DAY = replace(ITEM, due_at=datetime(2026, 3, 3, 16, 0, tzinfo=UTC),  # 17:00 local
                   entitlement="same day: received Tue 11:40, before the 12:00 cut-off; due Tue "
                               "17:00 (Europe/Brussels)", agreement_id=7, agreement_version=2)


def tone(item: WorkItem, now: datetime, zone: str) -> str | None:
    found = due_of(item, now, zone)
    return None if found is None else found.tone


def test_a_due_date_turns_overdue_at_the_end_of_the_service_s_local_day() -> None:
    due = replace(ITEM, due_date=date(2026, 3, 2))
    # 12:00 UTC on the 2nd is already the 3rd in Auckland (UTC+13): overdue there, not in UTC.
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert tone(due, noon, "Pacific/Auckland") == "overdue"
    assert tone(due, noon, "UTC") == "soon"
    # 02:00 UTC on the 3rd is still 21:00 on the 2nd in New York: due today there.
    night = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    assert tone(due, night, "America/New_York") == "soon"
    assert tone(due, night, "UTC") == "overdue"
    assert tone(due, night, "Not/AZone") == "overdue"  # an unknown zone counts as UTC


def test_the_working_time_left_is_counted_by_the_agreement_s_calendar() -> None:
    at_noon = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 12:00 local: 5 working hours left
    sla = sla_of(SAME_DAY, at_noon, CALENDAR, "Europe/Brussels")
    assert sla is not None
    assert (sla.headline, sla.left, sla.tone) == ("same day", "5h 00m left", "")
    assert sla.due == "due Tue 3 Mar 17:00 (Europe/Brussels)"
    assert sla.iso == "2026-03-03T17:00:00+01:00"
    late = sla_of(SAME_DAY, datetime(2026, 3, 3, 15, 0, tzinfo=UTC), CALENDAR, "Europe/Brussels")
    assert late is not None and (late.left, late.tone) == ("1h 00m left", "soon")
    # Overnight no working time passes: Wednesday 09:30 is 30 working minutes late.
    over = sla_of(SAME_DAY, datetime(2026, 3, 4, 8, 30, tzinfo=UTC), CALENDAR, "Europe/Brussels")
    assert over is not None and (over.left, over.tone) == ("overdue by 30m", "overdue")
    assert sla_of(replace(SAME_DAY, delivered_at=at_noon), at_noon, CALENDAR) is None
    assert sla_of(ITEM, at_noon, CALENDAR) is None  # no agreement applied


def test_a_card_shows_the_entitlement_and_the_time_left_in_the_service_s_zone() -> None:
    now = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    html = str(card_html(SAME_DAY, now, "BRU", timezone="Europe/Brussels",
                         calendars={(7, 2): CALENDAR}))
    assert '<span class="sla-name">same day</span>' in html
    assert '<span class="sla-left">5h 00m left</span>' in html
    assert ('<time datetime="2026-03-03T17:00:00+01:00">due Tue 3 Mar 17:00 (Europe/Brussels)'
            '</time>') in html
    assert 'title="same day: received Tue 11:40, before the 12:00 cut-off;' in html
    in_tokyo = str(card_html(SAME_DAY, now, "BRU", timezone="Asia/Tokyo",
                             calendars={(7, 2): CALENDAR}))
    assert "due Wed 4 Mar 01:00 (Asia/Tokyo)" in in_tokyo


BODY = {"name": "Brussels desk standard", "calendar": {
    "timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
    "working_hours": ["09:00", "17:00"], "holidays": ["2026-12-25"]},
    "target": {"value": 1, "unit": "working_days", "share": 0.85}, "cut_off": "12:00"}


def test_the_board_and_the_item_detail_show_the_agreement(client: TestClient,
                                                          clock: FixedClock) -> None:
    made = client.post("/api/v1/services", json={"key": "BRU", "name": "Brussels desk",
                                                 "timezone": "Europe/Brussels"})
    assert made.status_code == 201, made.text
    agreement = client.post("/api/v1/services/BRU/agreements", json=BODY)
    assert agreement.status_code == 201, agreement.text
    clock.set(datetime(2026, 3, 3, 11, 40, tzinfo=BRUSSELS))
    item = client.post("/api/v1/services/BRU/items", json={"title": "Refund", "customer": "x"})
    assert item.status_code == 201, item.text
    clock.set(datetime(2026, 3, 3, 15, 0, tzinfo=BRUSSELS))
    board = client.get("/services/BRU/board")
    assert board.status_code == 200
    assert '<span class="sla-name">same day</span>' in board.text
    assert '<span class="sla-left">2h 00m left</span>' in board.text
    assert "due Tue 3 Mar 17:00 (Europe/Brussels)" in board.text
    panel = client.get("/services/BRU/items/BRU-1", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    text = panel.text.replace("\n", " ")
    assert "“Brussels desk standard”, version 1" in text
    assert "85% within 1 working day" in text
    assert "Europe/Brussels: Mon, Tue, Wed, Thu, Fri, 09:00-17:00; cut-off 12:00" in text
    assert "It covers the whole service" in text
    assert ("same day: received Tue 11:40, before the 12:00 cut-off; due Tue 17:00 "
            "(Europe/Brussels)") in text
    clock.set(datetime(2026, 3, 4, 9, 30, tzinfo=BRUSSELS))
    later = client.get("/services/BRU/board").text
    assert "overdue by 30m" in later and 'class="sla sla-overdue"' in later


FORM = {"name": "Standard", "customer": "", "cos": "", "calendar": "",
        "timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "09:00", "closes": "17:00", "holidays": "2026-12-25\n2026-12-26",
        "target_value": "1", "target_unit": "working_days", "target_share": "0.85",
        "cut_off": "12:00"}


def test_the_delivery_manager_keeps_the_agreements_on_the_service_s_settings(
        client: TestClient) -> None:
    assert client.post("/api/v1/services", json={"key": "BRU", "name": "Brussels desk",
                                                 "timezone": "Europe/Brussels"}).status_code == 201
    page = client.get("/services/BRU/agreements")
    assert page.status_code == 200 and "No agreement yet" in page.text
    assert 'action="/services/BRU/agreements"' in page.text  # Olivia manages: the form
    token = client.cookies.get("flowdesk_csrf") or ""
    made = client.post("/services/BRU/agreements", data={**FORM, "csrf_token": token},
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    listed = client.get("/api/v1/services/BRU/agreements").json()
    assert len(listed) == 1 and listed[0]["calendar"]["holidays"] == ["2026-12-25", "2026-12-26"]
    assert listed[0]["target"]["text"] == "85% within 1 working day"
    agreement_id = listed[0]["id"]
    page = client.get("/services/BRU/agreements").text
    assert "Standard" in page and "version 1" in page and "85% within 1 working day" in page
    bad = client.post("/services/BRU/agreements", data={
        **FORM, "cos": "expedite", "timezone": "Mars/Olympus", "csrf_token": token})
    assert bad.status_code == 422 and "unknown time zone" in bad.text
    assert 'value="Mars/Olympus"' in bad.text  # what was typed is kept
    changed = client.post(f"/services/BRU/agreements/{agreement_id}", data={
        **FORM, "target_value": "2", "csrf_token": token}, follow_redirects=False)
    assert changed.status_code == 303, changed.text
    page = client.get("/services/BRU/agreements").text
    assert "version 2" in page and "History of versions (2)" in page
    retired = client.post(f"/services/BRU/agreements/{agreement_id}/retire",
                          data={"csrf_token": token}, follow_redirects=False)
    assert retired.status_code == 303
    assert "retired" in client.get("/services/BRU/agreements").text
    assert len(client.get("/api/v1/services/BRU/agreements").json()[0]["versions"]) == 2


ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
       b"DTSTART;VALUE=DATE:20260501\r\nSUMMARY:Labour day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_customers_calendars_and_ics_holidays_are_kept_from_the_service_s_settings(
        client: TestClient) -> None:
    assert client.post("/api/v1/services", json={"key": "BRU", "name": "Brussels desk",
                                                 "timezone": "Europe/Brussels"}).status_code == 201
    page = client.get("/services/BRU/agreements")
    assert "Customers and calendars" in page.text
    token = client.cookies.get("flowdesk_csrf") or ""
    added = client.post("/services/BRU/customers", data={
        "customer_name": "Nordlys Reiser", "contact_name": "Ingrid",
        "contact_email": "ingrid@nordlys.example", "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303, added.text
    assert client.get("/api/v1/customers").json() == [{
        "key": "nordlys-reiser", "name": "Nordlys Reiser",
        "contacts": [{"name": "Ingrid", "email": "ingrid@nordlys.example"}]}]
    new_request = client.get("/services/BRU/new").text  # offered as the customer is typed
    assert '<option value="Nordlys Reiser">nordlys-reiser</option>' in new_request
    again = client.post("/services/BRU/customers", data={
        "customer_name": "nordlys reiser", "csrf_token": token})
    assert again.status_code == 422 and "is called" in again.text
    calendar = client.post("/services/BRU/calendars", data={
        "calendar_key": "brussels", "calendar_name": "Brussels office",
        "timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "opens": "08:30", "closes": "16:30", "holidays": "", "csrf_token": token},
        follow_redirects=False)
    assert calendar.status_code == 303, calendar.text
    upload = client.post("/services/BRU/calendars/brussels/holidays",
                         data={"csrf_token": token},
                         files={"ics": ("be.ics", ICS, "text/calendar")},
                         follow_redirects=False)
    assert upload.status_code == 303, upload.text
    assert client.get("/api/v1/calendars").json()[0]["holidays"] == ["2026-05-01"]
    broken = client.post("/services/BRU/calendars/brussels/holidays", data={"csrf_token": token},
                         files={"ics": ("be.ics", b"not a calendar", "text/calendar")})
    assert broken.status_code == 422 and "not an iCalendar" in broken.text
    assert "<code>brussels</code> Brussels office" in client.get("/services/BRU/agreements").text
