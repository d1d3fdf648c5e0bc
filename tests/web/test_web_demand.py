"""Demand alerts on the web: a banner on the board and on the services page, acknowledged with a
note, and the alert thresholds the Service Delivery Manager sets on the demand page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from web_env import NOW, client_as, web_post
from web_seed import DANA, Seeded

from cast import OPERATOR, enrol, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.demand import Thresholds
from flowdesk.domain.people import Role
from flowdesk.services import demand
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import demand_banner

MORNING = NOW.replace(hour=10, minute=30)  # a Monday, half past ten (the service is in UTC)
USUAL = 20  # claims in by 10:00 on each of the three Mondays before
BOARD, DEMAND = "/services/CLM/board", "/services/CLM/demand"


def arrive(uow: UnitOfWork, day: datetime, count: int) -> None:
    """`count` claims between 08:00 and 09:59 of that day."""
    clock = FixedClock(day.replace(hour=8, minute=0))
    for n in range(count):
        clock.set(day.replace(hour=8, minute=0) + timedelta(minutes=n * 119 // max(count - 1, 1)))
        uc.create_item(uow, clock, DANA, CreateItem("CLM", f"claim {day:%m-%d} {n}"))


@pytest.fixture
def quiet_monday(web: TestClient, uow: UnitOfWork, clock: FixedClock) -> TestClient:
    """Three Mondays with 20 claims by 10:00, and today only 5 by then (the seed's 2 and 3
    more): an inflow drop."""
    for week in (1, 2, 3):
        arrive(uow, NOW - timedelta(weeks=week), USUAL)
    arrive(uow, NOW, 3)
    clock.set(MORNING)
    return web


def banner_of(html: str) -> str:
    found = re.search(r'<section class="demand-banner.*?</section>', html, re.S)
    assert found, "no demand banner on the page"
    return found.group(0)


def test_the_board_shows_the_drop_alert_and_acknowledging_it_settles_it_with_the_note(
        quiet_monday: TestClient, uow: UnitOfWork) -> None:
    banner = banner_of(quiet_monday.get(BOARD).text)
    assert "Inflow drop." in banner and "critical" in banner
    assert "Inflow by 10:00 is 25% of a usual Monday (5 against 20)." in banner
    assert 'action="/services/CLM/demand/acknowledgements"' in banner
    sent = web_post(quiet_monday, "/services/CLM/demand/acknowledgements", {
        "kind": "inflow_drop", "note": "The agencies' data hub is down; they will resend.",
        "back": "board"})
    assert sent.status_code == 303 and sent.headers["location"] == f"{BOARD}#alerts-CLM"
    banner = banner_of(quiet_monday.get(BOARD).text)
    assert 'id="alert-CLM-inflow_drop" data-alert="inflow_drop" data-acknowledged' in banner
    assert '<div class="alert-line alert-critical"' not in banner  # no longer nags: collapsed
    assert "1 acknowledged alert today" in banner
    assert re.search(r"Acknowledged by <strong>olivia</strong> at 10:30: “The agencies&#39; "
                     r"data hub is down; they will resend.”", banner)
    recorded = demand.acknowledged_today(uow, OPERATOR, "CLM", MORNING)
    assert recorded["inflow_drop"].actor == "olivia"


def test_an_empty_note_is_refused_next_to_the_field_and_nothing_is_recorded(
        quiet_monday: TestClient, uow: UnitOfWork) -> None:
    refused = web_post(quiet_monday, "/services/CLM/demand/acknowledgements", {
        "kind": "inflow_drop", "note": "  ", "back": "board"})
    assert refused.status_code == 422
    assert re.search(r'<details class="alert-ack" open>.*role="alert" '
                     r'id="err-ack-CLM-inflow_drop">', refused.text, re.S)
    assert demand.acknowledged_today(uow, OPERATOR, "CLM", MORNING) == {}


def test_the_services_page_shows_the_banner_and_acknowledges_from_there(
        quiet_monday: TestClient) -> None:
    page = quiet_monday.get("/").text
    assert "Inflow by 10:00 is 25% of a usual Monday" in banner_of(page)
    sent = web_post(quiet_monday, "/services/CLM/demand/acknowledgements", {
        "kind": "inflow_drop", "note": "Checked with the portal team.", "back": "services"})
    assert sent.status_code == 303 and sent.headers["location"] == "/#alerts-CLM"
    assert "Checked with the portal team." in banner_of(quiet_monday.get("/").text)


def test_a_viewer_sees_the_banner_without_the_form_and_is_refused_all_the_same(
        quiet_monday: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    enrol(uow, clock, "CLM", ["zoe"], [Role.VIEWER])
    zoe = client_as(quiet_monday, token_of(uow, "zoe"))
    banner = banner_of(zoe.get(BOARD).text)
    assert "Inflow drop." in banner and "<form" not in banner
    refused = web_post(zoe, "/services/CLM/demand/acknowledgements", {
        "kind": "inflow_drop", "note": "seen", "back": "board"})
    assert refused.status_code == 403
    assert re.search(r'role="alert" id="err-ack-CLM">to acknowledge a demand alert', refused.text)
    assert demand.acknowledged_today(uow, OPERATOR, "CLM", MORNING) == {}


def test_the_banner_alone_is_what_an_open_board_fetches_and_only_for_members(
        quiet_monday: TestClient, uow: UnitOfWork) -> None:
    fragment = quiet_monday.get("/services/CLM/demand/banner")
    assert fragment.status_code == 200
    assert "Inflow by 10:00 is 25% of a usual Monday (5 against 20)." in banner_of(fragment.text)
    assert "<html" not in fragment.text  # the banner, not a page
    stranger = client_as(quiet_monday, token_of(uow, "zoe"))  # not a member of CLM
    assert stranger.get("/services/CLM/demand/banner").status_code == 404


def test_a_quiet_day_shows_no_banner(web: TestClient) -> None:
    assert "demand-banner" not in web.get(BOARD).text
    assert "No demand alerts right now." in web.get(DEMAND).text


def test_the_board_reuses_its_alerts_until_something_happens_or_the_hour_changes(
        quiet_monday: TestClient, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[datetime] = []
    real = demand_banner.demand.demand

    def counting(*args: object) -> demand.DemandView:
        computed.append(args[3])  # type: ignore[arg-type]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(demand_banner.demand, "demand", counting)
    for _ in range(3):
        assert quiet_monday.get(BOARD).status_code == 200
    assert len(computed) <= 1  # the fixture's renders may have kept them already
    clock.set(MORNING.replace(hour=11, minute=5))  # a new hour: the alert may have changed
    quiet_monday.get(BOARD)
    assert computed[-1] == clock.now()


def test_the_demand_page_shows_the_thresholds_with_their_defaults(web: TestClient) -> None:
    page = web.get(DEMAND).text
    row = re.search(r'<tr id="threshold-drop_at">.*?</tr>', page, re.S)
    assert row and "<td>0.5</td>" in row.group(0) and 'value="0.5"' in row.group(0)
    assert 'name="queue_days"' in page and "Save thresholds" in page


def test_the_service_delivery_manager_changes_a_threshold(web: TestClient,
                                                          uow: UnitOfWork) -> None:
    saved = web_post(web, f"{DEMAND}/thresholds", {"drop_at": "0.4", "queue_days": "6"})
    assert saved.status_code == 303 and saved.headers["location"].startswith(DEMAND)
    thresholds = demand.get_thresholds(uow, OPERATOR, "CLM")
    assert (thresholds.drop_at, thresholds.queue_days) == (0.4, 6)
    assert thresholds.surge_at == Thresholds().surge_at  # an empty field keeps its value
    page = web.get(saved.headers["location"]).text
    assert "Thresholds saved." in page and 'id="t-drop_at" name="drop_at" inputmode="decimal" ' \
        'size="6" value="0.4"' in page


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"drop_at": "half"}, "drop_at", "drop_at must be a number"),
    ({"queue_days": "2.5"}, "queue_days", "queue_days must be a whole number"),
    ({"drop_at": "0.4", "drop_critical_at": "0.45"}, "drop_critical_at",
     "thresholds out of order: need drop_critical_at &lt;= drop_at"),
    ({"min_usual": "-1"}, "min_usual", "min_usual must be positive"),
])
def test_a_bad_threshold_is_named_next_to_its_field_and_nothing_is_changed(
        web: TestClient, uow: UnitOfWork, form: dict[str, str], field: str,
        message: str) -> None:
    refused = web_post(web, f"{DEMAND}/thresholds", form)
    assert refused.status_code == 422
    assert f'role="alert" id="err-{field}">{message}' in refused.text
    for name, typed in form.items():  # what was typed comes back
        assert f'name="{name}" inputmode="decimal" size="6" value="{typed}"' in refused.text
    assert demand.get_thresholds(uow, OPERATOR, "CLM") == Thresholds()


def test_a_team_member_reads_the_thresholds_but_may_not_change_them(
        web: TestClient, uow: UnitOfWork, seeded: Seeded) -> None:
    ana = client_as(web, token_of(uow, "ana"))
    page = ana.get(DEMAND).text
    assert "<code>drop_at</code>" in page and 'name="drop_at"' not in page
    refused = web_post(ana, f"{DEMAND}/thresholds", {"drop_at": "0.4"})
    assert refused.status_code == 403 and 'class="form-error" role="alert"' in refused.text
    assert demand.get_thresholds(uow, OPERATOR, "CLM") == Thresholds()
