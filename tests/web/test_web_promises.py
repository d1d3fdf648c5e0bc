"""The promise pages, served without a browser: "due and at risk", riskiest first and linked
from the board, and "missed promises" with what delayed each item, both saying which time zone
their times are in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import DANA, Seeded

from flowdesk.domain.clock import FixedClock
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.routes import promises

NOW_DAY = "2026-03-02"


def test_the_board_links_to_due_and_at_risk_which_lists_the_riskiest_first(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, clock: FixedClock) -> None:
    board = web.get("/services/CLM/board").text
    assert 'href="/services/CLM/at-risk"' in board
    here = FixedClock(clock.now())
    safe = uc.create_item(uow, here, DANA, CreateItem(
        service_key="CLM", title="Claim due in two months", type="claim",
        due_date=clock.now().date() + timedelta(days=60)))
    late = uc.create_item(uow, here, DANA, CreateItem(
        service_key="CLM", title="Claim due yesterday", type="claim",
        due_date=clock.now().date() - timedelta(days=1)))
    for item in (safe, late):
        uc.move_item(uow, here, DANA, MoveItem(item.key, seeded.stages["Assess"],
                                               override_reason="a busy Monday"))
    page = web.get("/services/CLM/at-risk")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Times are in UTC" in html  # the seeded service's zone
    rows = re.findall(r'<tr id="risk-([A-Z]+-\d+)"( class="is-at-risk")?', html)
    keys = [key for key, _ in rows]
    flagged = {key for key, mark in rows if mark}
    assert late.key in flagged and safe.key not in flagged
    assert keys.index(late.key) < keys.index(safe.key)  # the riskiest first
    assert keys == sorted(keys, key=lambda k: k not in flagged)  # every flagged one first
    count = re.search(r'id="at-risk-count"><strong>(\d+)</strong> of (\d+)', html)
    assert count is not None and (int(count.group(1)), int(count.group(2))) == (
        len(flagged), len(keys))


def test_due_and_at_risk_is_paged_riskiest_first_and_counts_every_item_due(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    here = FixedClock(clock.now())
    made = [uc.create_item(uow, here, DANA, CreateItem(
        service_key="CLM", title=f"Claim due in {days} days", type="claim",
        due_date=clock.now().date() + timedelta(days=days))) for days in (-1, 60, 90)]
    for item in made:
        uc.move_item(uow, here, DANA, MoveItem(item.key, seeded.stages["Assess"],
                                               override_reason="a busy Monday"))
    everything = web.get("/api/v1/services/CLM/metrics/on-time").json()
    riskiest = [row["key"] for row in everything["items"]]
    monkeypatch.setattr(promises, "RISKS_PER_PAGE", 2)
    shown: list[str] = []
    pages = (len(riskiest) + 1) // 2
    for number in range(1, pages + 1):
        html = web.get("/services/CLM/at-risk", params={"page": number}).text
        shown += re.findall(r'<tr id="risk-([A-Z]+-\d+)"', html)
        count = re.search(r'id="at-risk-count"><strong>(\d+)</strong> of (\d+)', html)
        assert count is not None and (int(count.group(1)), int(count.group(2))) == (
            everything["at_risk"], len(riskiest))  # every item due, on every page
        assert f"Page {number} of {pages}" in html
        assert ('rel="next" href="?page=' + str(number + 1)) in html or number == pages
    assert shown == riskiest  # the pages, one after the other, are the API's order
    past = web.get("/services/CLM/at-risk", params={"page": pages + 5})
    assert past.status_code == 200 and '<tr id="risk-' not in past.text
    assert 'href="?page=1"' in past.text
    assert web.get("/services/CLM/at-risk", params={"page": 0}).status_code == 422


def test_missed_promises_say_what_delayed_each_item_in_the_service_s_zone(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, clock: FixedClock) -> None:
    start = FixedClock(clock.now() - timedelta(days=5))
    item = uc.create_item(uow, start, DANA, CreateItem(
        service_key="CLM", title="Claim promised for Thursday", type="claim",
        due_date=(clock.now() - timedelta(days=4)).date()))
    uc.move_item(uow, start, DANA, MoveItem(item.key, seeded.stages["Assess"],
                                            override_reason="a busy week"))
    start.advance(timedelta(days=1))
    uc.move_item(uow, start, DANA, MoveItem(item.key, seeded.stages["Check"],
                                            override_reason="a busy week"))
    uc.move_item(uow, FixedClock(clock.now()), DANA, MoveItem(
        item.key, seeded.stages["Done"]))
    page = web.get("/services/CLM/missed-promises")
    assert page.status_code == 200, page.text
    html = page.text
    found = re.search(rf'<article class="missed" id="missed-{item.key}">(.*?)</article>',
                      html, re.S)
    assert found, html[:2000]
    block = found.group(1)
    assert "Times are in UTC" in html and "(UTC)" in block
    # Due by the end of Thursday (Friday 00:00 UTC), delivered on Monday at 09:00 UTC.
    assert "3.4 days late" in block and "Due <time datetime=\"2026-02-27T00:00:00+00:00\">" in block
    assert "Assess 1.0d" in block and "Check 4.0d" in block
    assert "4.0d in queues" in block  # Check is a queue
    narrow = web.get("/services/CLM/missed-promises", params={"from": NOW_DAY, "to": NOW_DAY})
    assert item.key in narrow.text  # delivered that day


def test_the_service_s_own_targets_are_set_on_their_page_and_a_bad_one_changes_nothing(
        web: TestClient, seeded: Seeded) -> None:
    saved = web_post(web, "/services/CLM/service-levels", {
        "percentile_": "85", "days_": "5", "percentile_expedite": "95", "days_expedite": "1"})
    assert saved.status_code == 303, saved.text
    api = web.get("/api/v1/services/CLM/service-levels").json()["targets"]
    assert [(t["class_of_service"], t["percentile"], t["days"]) for t in api] == [
        (None, 85, 5), ("expedite", 95, 1)]
    page = web.get("/services/CLM/service-levels?saved=1").text
    assert "Service levels saved." in page and 'name="days_expedite"' in page
    refused = web_post(web, "/services/CLM/service-levels", {
        "percentile_": "85", "days_": "0", "percentile_standard": "ninety", "days_standard": "3"})
    assert refused.status_code == 422
    assert "percentile: &#39;ninety&#39; is not a whole number" in refused.text
    assert 'value="ninety"' in refused.text  # what was typed is kept
    again = web.get("/api/v1/services/CLM/service-levels").json()["targets"]
    assert again == api
    # The analytics headline is measured against them.
    level = web.get("/api/v1/services/CLM/metrics").json()["service_level"]
    assert {t["text"] for t in level["targets"]} <= {"85% within 5 days of commitment",
                                                      "95% within 1 day of commitment"}
    assert level["targets"] and level["suggestion"]["label"].startswith("suggestion")
