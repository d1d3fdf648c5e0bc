"""One definition of age (`docs/metrics.md`, "Aging WIP"): calendar days in the service's zone,
the day of commitment being day 1. The card's badge and tooltip, the item panel, the board's
flow hint, the aging chart, the analytics page's numbers and the on-time risk all count it the
same way, also just after local midnight in Brussels, while it is still the day before in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from api_helpers import API, create_service
from fastapi.testclient import TestClient

from cast import OPERATOR
from flowdesk.analytics.age import age_in_days, calendar_age, local_day
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.hints import compute_hints

COMMITTED = datetime(2026, 3, 3, 22, 30, tzinfo=UTC)  # 23:30 on Tuesday 3 March in Brussels
NOW = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)  # 00:30 on Wednesday 4 March in Brussels


def test_the_pure_definition_counts_local_days_from_day_one() -> None:
    assert age_in_days(COMMITTED, NOW, "Europe/Brussels") == 2
    assert age_in_days(COMMITTED, NOW, "UTC") == 1  # the same instants, another zone
    assert age_in_days(None, NOW, "Europe/Brussels") is None
    assert calendar_age(local_day(COMMITTED, "+01:00"), local_day(NOW, "+01:00")) == 2


def test_every_place_that_shows_age_agrees_after_local_midnight(
        client: TestClient, clock: FixedClock, uow: UnitOfWork) -> None:
    desk = create_service(client, key="BRU", name="Brussels desk", timezone="Europe/Brussels")
    clock.set(COMMITTED)
    key = desk.new_item("Refund", due_date="2026-03-06")["key"]
    desk.moved(key, "In progress")
    clock.set(NOW)
    board = client.get("/services/BRU/board").text
    card = re.search(rf'<article [^>]*id="card-{key}".*?</article>', board, re.S)
    assert card is not None
    assert '>2d</span>' in card.group(0)
    assert 'title="2 calendar days since commitment' in card.group(0)
    panel = client.get(f"/services/BRU/items/{key}").text
    assert "2 calendar days since commitment" in panel
    hint = compute_hints(uow, OPERATOR, "BRU", NOW).for_item(key)
    assert hint is not None and hint.age_days == 2
    assert hint.title.startswith("2 calendar days since commitment")
    charts = client.get(f"{API}/services/BRU/metrics/charts").json()
    assert charts["aging_wip"]["items"]["age_days"] == [2]
    metrics = client.get(f"{API}/services/BRU/metrics").json()
    assert metrics["aging_wip"]["oldest_days"] == 2
    risk = {r["key"]: r for r in client.get(f"{API}/services/BRU/metrics/on-time").json()["items"]}
    assert risk[key]["age_days"] == 2
