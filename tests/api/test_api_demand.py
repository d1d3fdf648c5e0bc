"""Demand through the API: today's inflow against the usual Tuesday, thresholds people set,
and acknowledgements, on a history built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import API, Claims
from fastapi.testclient import TestClient

from flowdesk.domain.clock import FixedClock

TUESDAY = datetime(2026, 3, 10, 10, 30, tzinfo=UTC)  # "now": a Tuesday, half past ten
USUAL = 20  # claims in by 10:00 on each of the 8 Tuesdays before


def arrive(claims: Claims, clock: FixedClock, at: datetime, count: int) -> None:
    for n in range(count):  # spread between 08:00 and 09:59
        clock.set(at.replace(hour=8, minute=0) + timedelta(minutes=n * 119 // max(count - 1, 1)))
        claims.new_item(f"claim {at:%m-%d} {n}")


@pytest.fixture
def history(claims: Claims, clock: FixedClock) -> Claims:
    for week in range(1, 9):
        arrive(claims, clock, TUESDAY - timedelta(weeks=week), USUAL)
    return claims


def demand(client: TestClient) -> dict[str, object]:
    response = client.get(f"{API}/services/CLM/demand")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_inflow_at_fifteen_percent_of_a_usual_tuesday_raises_the_drop_alert(
        history: Claims, clock: FixedClock) -> None:
    arrive(history, clock, TUESDAY, 3)
    clock.set(TUESDAY)
    body = demand(history.client)
    drop = [a for a in body["alerts"] if a["kind"] == "inflow_drop"]  # type: ignore[union-attr]
    assert len(drop) == 1, body["alerts"]
    assert drop[0]["sentence"] == "Inflow by 10:00 is 15% of a usual Tuesday (3 against 20)."
    assert drop[0]["severity"] == "critical"  # at most 25% of usual
    today = body["today"]
    assert today["actual"][8:11] == [0, 2, 3]  # type: ignore[index]
    assert today["usual"][10] == USUAL  # type: ignore[index]


def test_inflow_at_ninety_five_percent_raises_no_inflow_alert(history: Claims,
                                                               clock: FixedClock) -> None:
    arrive(history, clock, TUESDAY, 19)
    clock.set(TUESDAY)
    kinds = [a["kind"] for a in demand(history.client)["alerts"]]  # type: ignore[union-attr]
    assert "inflow_drop" not in kinds and "inflow_surge" not in kinds


def test_an_alert_is_acknowledged_with_a_note_and_the_note_is_recorded(
        history: Claims, clock: FixedClock) -> None:
    arrive(history, clock, TUESDAY, 3)
    clock.set(TUESDAY)
    response = history.client.post(f"{API}/services/CLM/demand/acknowledgements", json={
        "kind": "inflow_drop", "note": "the agencies' data hub is down; they will resend"})
    assert response.status_code == 201, response.text
    drop = next(a for a in demand(history.client)["alerts"]  # type: ignore[union-attr]
                if a["kind"] == "inflow_drop")
    assert drop["acknowledged"]["actor"] == "olivia"
    assert drop["acknowledged"]["note"].startswith("the agencies' data hub is down")
    events = history.client.get(f"{API}/services/CLM/events", params={"limit": 1000})
    assert [e["reason"] for e in events.json()["events"]
            if e["kind"] == "alert_acknowledged"] == [
        "the agencies' data hub is down; they will resend"]


def test_a_raised_threshold_silences_the_alert_and_bad_thresholds_change_nothing(
        history: Claims, clock: FixedClock) -> None:
    arrive(history, clock, TUESDAY, 3)
    clock.set(TUESDAY)
    client = history.client
    url = f"{API}/services/CLM/demand/thresholds"
    for bad, field in (({"drop_at": 0}, "drop_at"), ({"queue_days": -2}, "queue_days"),
                       ({"drop_at": 0.1, "drop_critical_at": 0.2}, "drop_critical_at")):
        refused = client.put(url, json=bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field
    assert demand(client)["thresholds"]["drop_at"] == 0.5  # type: ignore[index]
    changed = client.put(url, json={"min_usual": 30})
    assert changed.status_code == 200, changed.text
    kinds = [a["kind"] for a in demand(client)["alerts"]]  # type: ignore[union-attr]
    assert "inflow_drop" not in kinds  # 20 usual by 10:00 is below the new minimum


def test_unknown_alert_kinds_and_empty_notes_are_refused(claims: Claims) -> None:
    url = f"{API}/services/CLM/demand/acknowledgements"
    for body, field in (({"kind": "weather", "note": "x"}, "kind"),
                        ({"kind": "inflow_drop", "note": "   "}, "note")):
        response = claims.client.post(url, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


def test_holidays_of_the_service_calendar_are_left_out_of_the_usual_inflow(
        claims: Claims, clock: FixedClock) -> None:
    # Seven working Tuesdays (20, 20, 20, 20, 10, 10, 10 by 10:00) and one holiday Tuesday
    # with nothing: counted, the holiday pulls the median to (10 + 20) / 2 = 15; left out,
    # the usual Tuesday is the median of the seven, 20.
    counts = {1: 20, 2: 20, 3: 20, 4: 20, 5: 10, 6: 10, 7: 10}
    for week, count in counts.items():
        arrive(claims, clock, TUESDAY - timedelta(weeks=week), count)
    holiday = (TUESDAY - timedelta(weeks=8)).date()
    arrive(claims, clock, TUESDAY - timedelta(weeks=9), 20)  # history began before it
    clock.set(TUESDAY)
    assert demand(claims.client)["today"]["usual"][10] == 15  # type: ignore[index]
    created = claims.client.post(f"{API}/services/CLM/agreements", json={
        "customer": None, "class_of_service": None,
        "calendar": {"timezone": "UTC", "working_days": ["mon", "tue", "wed", "thu", "fri"],
                     "working_hours": ["09:00", "17:00"], "holidays": [holiday.isoformat()]},
        "target": {"value": 2, "unit": "working_days", "share": 0.85}, "cut_off": None})
    assert created.status_code == 201, created.text
    assert demand(claims.client)["today"]["usual"][10] == 20  # type: ignore[index]
