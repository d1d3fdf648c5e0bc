"""The metrics and forecast API over a service's own event log, on both databases."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from flowdesk.cli import main
from flowdesk.domain.clock import FixedClock


def stage_ids(client: TestClient, key: str) -> dict[str, int]:
    return {s["name"]: s["id"] for s in client.get(f"/api/v1/services/{key}").json()["stages"]}


@pytest.fixture
def claims(client: TestClient, clock: FixedClock) -> TestClient:
    """Three claims: two delivered after exactly two days (one blocked for six hours on the
    customer), one still in progress."""
    # Delivered straight from In progress (the default workflow's Review skipped).
    assert client.post("/api/v1/services", json={"key": "CLM", "name": "Claims",
                                                 "deliver_from_any_stage": True}).is_success
    stages = stage_ids(client, "CLM")
    for title in ("first", "second", "third"):
        assert client.post("/api/v1/services/CLM/items", json={"title": title}).is_success

    def move(key: str, stage: str) -> None:
        r = client.post(f"/api/v1/items/{key}/move", json={"to_stage": stages[stage]})
        assert r.is_success, r.json()

    start = clock.now()
    clock.set(start + timedelta(hours=1))
    move("CLM-1", "In progress")
    clock.set(start + timedelta(days=1))
    move("CLM-2", "In progress")
    move("CLM-3", "In progress")
    clock.set(start + timedelta(days=1, hours=2))
    assert client.post("/api/v1/items/CLM-2/block",
                       json={"reason": "missing invoice", "category": "customer"}).is_success
    clock.set(start + timedelta(days=1, hours=8))
    assert client.post("/api/v1/items/CLM-2/unblock").is_success
    clock.set(start + timedelta(days=2, hours=1))
    move("CLM-1", "Done")
    clock.set(start + timedelta(days=3))
    move("CLM-2", "Done")
    clock.set(start + timedelta(days=4))
    return client


def test_metrics_give_lead_times_computed_by_hand(claims: TestClient) -> None:
    m = claims.get("/api/v1/services/CLM/metrics").json()
    assert m["delivered_count"] == 2
    assert m["lead_time_days"]["50"] == pytest.approx(2.0)
    assert m["lead_time_calendar_days"]["85"] == 3  # Monday to Wednesday, counted inclusively
    assert m["wip"]["end_of_period"] == 1
    customer = m["blocked_days_by_category"]["customer"]
    assert customer["blocked_days"] == pytest.approx(0.25)
    assert customer["count"] == 1


def test_metric_items_list_every_item_with_its_state(claims: TestClient) -> None:
    rows = {r["item"]: r for r in claims.get("/api/v1/services/CLM/metrics/items").json()}
    assert set(rows) == {"CLM-1", "CLM-2", "CLM-3"}
    assert rows["CLM-3"]["state"] == "In progress"
    assert rows["CLM-3"]["delivered_at"] is None
    assert rows["CLM-2"]["blocked_days"] == pytest.approx(0.25)


def test_filters_slice_the_metrics_and_unknown_ones_are_named(claims: TestClient) -> None:
    assert claims.get("/api/v1/services/CLM/metrics?type=request").json()[
        "delivered_count"] == 2
    assert claims.get("/api/v1/services/CLM/metrics?type=invoice").json()[
        "delivered_count"] == 0
    r = claims.get("/api/v1/services/CLM/metrics?team=red")
    assert r.status_code == 422 and r.json()["field"] == "team"


@pytest.mark.parametrize("url", ["/api/v1/services/CLM/metrics?team=red",
                                 "/api/v1/services/CLM/forecast?when=2&team=red"])
def test_a_team_filter_on_a_service_is_refused_saying_why(claims: TestClient,
                                                          url: str) -> None:
    r = claims.get(url)
    assert r.status_code == 422
    assert r.json()["field"] == "team"
    assert "a service's items have no team" in r.json()["message"]


def test_a_seeded_forecast_is_repeatable(claims: TestClient) -> None:
    url = "/api/v1/services/CLM/forecast?when=3&seed=7&window_days=7"
    first, second = claims.get(url).json(), claims.get(url).json()
    assert first == second
    assert first["window"]["delivered"] == 2
    days = [first["days"][p] for p in ("50", "70", "85", "95")]
    assert days == sorted(days)


@pytest.mark.parametrize("query, field", [
    ("", "how_many_by"),
    ("?when=3&how_many_by=2026-12-01", "how_many_by"),
    ("?when=0", "when"),
    ("?when=3&trials=0", "trials"),
    ("?how_many_by=yesterday", "how_many_by"),
    ("?how_many_by=2020-01-01", "how_many_by"),
])
def test_bad_forecast_questions_get_422_naming_the_field(
        claims: TestClient, query: str, field: str) -> None:
    r = claims.get(f"/api/v1/services/CLM/forecast{query}")
    assert r.status_code == 422
    assert r.json()["field"] == field


def test_bad_dates_get_422_and_unknown_services_404(claims: TestClient) -> None:
    r = claims.get("/api/v1/services/CLM/metrics?from=2026-03-09&to=2026-03-01")
    assert r.status_code == 422 and r.json()["field"] == "from"
    assert claims.get("/api/v1/services/CLM/metrics?from=tuesday").status_code == 422
    assert claims.get("/api/v1/services/NOPE/metrics").status_code == 404


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-20", "from"),  # after the as-of day, 6 March, with no `to`
    ("to=2026-02-01", "to"),  # before the first arrival, 2 March, with no `from`
    ("from=1066-10-14", "from"),
])
def test_a_period_that_resolves_backwards_gets_422_naming_the_field(
        claims: TestClient, query: str, field: str) -> None:
    r = claims.get(f"/api/v1/services/CLM/metrics?{query}")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == field and body["error"] == "invalid"
    assert field in body["message"]


def test_the_cli_prints_the_numbers_the_api_serves(claims: TestClient,
                                                   database_url: str) -> None:
    api = claims.get("/api/v1/services/CLM/metrics?from=2026-03-02&to=2026-03-05").json()
    out = CliRunner().invoke(
        main, ["metrics", "--service", "CLM", "--from", "2026-03-02", "--to", "2026-03-05",
               "--format", "json"], env={"FLOWDESK_DATABASE_URL": database_url})
    assert out.exit_code == 0, out.output
    cli = json.loads(out.stdout)
    for key in ("delivered_count", "lead_time_days", "lead_time_calendar_days", "throughput",
                "blocked_days_by_category"):
        assert cli[key] == api[key], key


def test_a_new_service_has_empty_metrics_not_an_error(client: TestClient) -> None:
    assert client.post("/api/v1/services", json={"key": "NEW", "name": "New"}).is_success
    m = client.get("/api/v1/services/NEW/metrics")
    assert m.status_code == 200 and m.json()["delivered_count"] == 0
    r = client.get("/api/v1/services/NEW/forecast?when=5")
    assert r.status_code == 422 and "nothing was delivered" in r.json()["message"]
