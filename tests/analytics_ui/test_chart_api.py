"""GET /api/v1/services/{key}/metrics/charts: every chart's data, the same numbers as the
metrics endpoint, sliced by filters; bad dates and filters are 422s naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_seed import Seeded

CHARTS = "/api/v1/services/{key}/metrics/charts"


def charts(client: TestClient, key: str, **params: str) -> dict[str, Any]:
    response = client.get(CHARTS.format(key=key), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_charts_carry_the_same_numbers_as_the_metrics_endpoint(
        client: TestClient, seeded: Seeded) -> None:
    data = client.get(CHARTS.format(key="CLM")).json()
    metrics = client.get("/api/v1/services/CLM/metrics").json()
    for key in ("delivered_count", "lead_time_calendar_days", "throughput", "wip",
                "flow_efficiency", "blocked_days_by_category", "aging_wip"):
        assert data["summary"][key] == metrics[key], key
    assert data["period"]["end"] == "2026-03-02"
    assert data["source"] == "Priority claims"
    assert data["states"][0] == {"name": "Options", "phase": "upstream"}
    assert data["aging_wip"]["states"] == ["Assess", "Settle", "Check"]


def test_every_delivered_item_is_a_point_and_every_open_item_ages(
        client: TestClient, seeded: Seeded) -> None:
    data = charts(client, "CLM")
    points = data["lead_time"]["points"]
    delivered = {seeded.keys[f"done_{n}"] for n in range(4)} | {
        seeded.keys["old_done_0"], seeded.keys["old_done_1"]}
    assert set(points["keys"]) == delivered
    aging = data["aging_wip"]["items"]
    open_roles = ("check_overdue", "settle_a", "settle_b", "settle_c", "assess_blocked",
                  "assess")
    assert set(aging["keys"]) == {seeded.keys[r] for r in open_roles}
    blocked = dict(zip(aging["keys"], aging["blocked"], strict=True))
    assert blocked[seeded.keys["assess_blocked"]] is True
    assert blocked[seeded.keys["assess"]] is False
    assert [b["category"] for b in data["blockers"]["categories"]] == ["vendor"]


def test_filters_slice_every_chart(client: TestClient, seeded: Seeded) -> None:
    data = charts(client, "CLM", class_of_service="fixed_date")
    assert data["where"] == {"class_of_service": "fixed_date"}
    assert data["aging_wip"]["items"]["keys"] == [seeded.keys["check_overdue"]]
    assert data["lead_time"]["points"]["keys"] == []
    assert data["summary"]["delivered_count"] == 0
    customer = charts(client, "CLM", customer="Contoso Travel", type="claim")
    assert customer["where"] == {"type": "claim", "customer": "Contoso Travel"}
    assert set(customer["lead_time"]["points"]["keys"]) == {
        seeded.keys["done_0"], seeded.keys["done_2"]}


def test_a_value_nobody_uses_gives_empty_charts(client: TestClient, seeded: Seeded) -> None:
    data = charts(client, "CLM", type="no such type")
    assert data["summary"]["delivered_count"] == 0
    assert data["forecast"]["when"] is None


def test_a_date_range_sets_the_period_and_the_forecast_start(
        client: TestClient, seeded: Seeded) -> None:
    data = charts(client, "CLM", **{"from": "2026-02-16", "to": "2026-02-25"})
    assert data["period"]["start"] == "2026-02-16"
    assert data["period"]["days"] == 10
    assert data["forecast"]["start"] == "2026-02-26"
    assert all("2026-02-16" <= day <= "2026-02-25"
               for day in data["lead_time"]["points"]["delivered"])


def test_the_same_seed_gives_the_same_forecast(client: TestClient, seeded: Seeded) -> None:
    first = charts(client, "CLM", seed="42", forecast_days="30", forecast_count="5")
    again = charts(client, "CLM", seed="42", forecast_days="30", forecast_count="5")
    assert first["forecast"] == again["forecast"]
    assert first["forecast"]["seed"] == 42
    assert first["forecast"]["how_many"]["days"] == 30
    assert first["forecast"]["when"]["count"] == 5


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
    ({"from": "2027-01-01"}, "from"),
    ({"to": "2020-01-01"}, "to"),
    ({"from": "1999-01-01", "to": "2026-03-01"}, "from"),
    ({"from": "0001-01-01"}, "from"),
    ({"to": "9999-12-31"}, "to"),
    ({"class_of_service": "urgent"}, "class_of_service"),
    ({"type": "x" * 201}, "type"),
    ({"customer": "x" * 201}, "customer"),
    ({"seed": "-1"}, "seed"),
    ({"seed": "lucky"}, "seed"),
    ({"forecast_days": "0"}, "forecast_days"),
    ({"forecast_days": "99999"}, "forecast_days"),
    ({"forecast_count": "0"}, "forecast_count"),
])
def test_bad_dates_and_filters_are_422_naming_the_field(
        client: TestClient, seeded: Seeded, params: dict[str, str], field: str) -> None:
    response = client.get(CHARTS.format(key="CLM"), params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert body["error"] == "invalid"


def test_an_unknown_service_is_404(client: TestClient) -> None:
    response = client.get(CHARTS.format(key="NOPE"))
    assert response.status_code == 404
    assert response.json()["field"] == "key"


def test_a_service_with_no_items_has_empty_charts_not_errors(client: TestClient) -> None:
    created = client.post("/api/v1/services", json={"key": "EMPTY", "name": "Empty desk"})
    assert created.status_code == 201, created.text
    response = client.get(CHARTS.format(key="EMPTY"))
    assert response.status_code == 200, response.text
    data = json.loads(response.text)  # strict JSON: a NaN would not parse as a number here
    assert data["summary"]["delivered_count"] == 0
    assert data["lead_time"]["points"]["keys"] == []
    assert data["aging_wip"]["items"]["keys"] == []
    assert data["forecast"]["when"] is None
    assert "NaN" not in response.text


def test_the_endpoint_is_documented_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/services/{key}/metrics/charts"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "type", "class_of_service", "customer", "seed"} <= names
