"""The demo's outage day, end to end through the API: the claims' intake is down until 11:00, so
the morning raises the inflow drop and the afternoon the surge; the claims team is overloaded
with its only foreign-currency specialist off sick, and the settlements team, which has room, is
asked to lend its expert."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from demo_env import END
from fastapi.testclient import TestClient

from cast import token_of
from flowdesk.demo import run_demo
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.runner import outage_day
from flowdesk.demo.skills_matrix import FX
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.unit_of_work import UnitOfWork

API = "/api/v1"
DAYS = 30  # four whole Mondays before the outage for the baseline
MORNING = END.replace(hour=9, minute=30)  # 10:30 in Brussels, the outage under way
AFTERNOON = END  # 13:00 in Brussels: the held claims and the agencies' second filings are in


def get(client: TestClient, url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"{API}{url}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_outage_day_is_the_last_working_day_of_the_period() -> None:
    calendar = WorkCalendar()
    assert outage_day(calendar, END) == date(2026, 3, 2)  # a Monday: that very day
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=END.tzinfo)
    assert outage_day(calendar, saturday) == date(2026, 3, 6)
    assert outage_day(calendar, saturday + timedelta(days=1)) == date(2026, 3, 6)


def test_the_demos_outage_day_raises_the_alerts_end_to_end_through_the_api(
        client: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    summary = run_demo(uow, days=DAYS, end=END)
    assert summary.outage_day == date(2026, 3, 2)
    manager = token_of(uow, "hannah.novak")  # the claims team's Service Delivery Manager

    clock.set(MORNING)
    morning = get(client, "/services/CLM/demand", manager)
    first = morning["alerts"][0]
    assert (first["kind"], first["severity"]) == ("inflow_drop", "critical"), morning["alerts"]
    assert first["sentence"].startswith("Inflow by 10:00 is ")
    assert first["figures"]["actual"] <= 0.25 * first["figures"]["usual"]
    assert morning["thresholds"]["min_usual"] == 3  # the manager's own setting

    clock.set(AFTERNOON)
    afternoon = get(client, "/services/CLM/demand", manager)
    kinds = {a["kind"]: a for a in afternoon["alerts"]}
    assert "inflow_drop" not in kinds
    surge = kinds["inflow_surge"]
    assert surge["sentence"].startswith("Inflow by 13:00 is ")
    assert surge["figures"]["ratio"] >= 1.5

    load = get(client, "/services/CLM/capacity", manager)
    assert load["overloaded"] and load["demand"] > load["capacity"]
    matrix = get(client, "/services/CLM/skills", manager)
    risks = {(r["kind"], r["skill"]) for r in matrix["risks"]}
    assert {("gap", FX), ("single_point", FX)} <= risks  # Elena Rossi is off sick
    daan = next(p for p in matrix["people"] if p["username"] == "daan.devries")
    assert daan["levels"]["Medical assessment"]["proposed"] == 2  # waiting for confirmation

    staffing = get(client, "/staffing")  # the organisation admin sees both services
    loads = {s["service"]: s for s in staffing["services"]}
    assert loads["CLM"]["overloaded"] and not loads["INT"]["overloaded"]
    best = staffing["suggestions"][0]
    assert (best["from_service"], best["to_service"], best["skill"]) == ("INT", "CLM", FX)
    assert best["people"][0] == {"username": "kofi.mensah", "display_name": "Kofi Mensah"}
    assert any("Nobody available in CLM can do" in r for r in best["reasons"])
