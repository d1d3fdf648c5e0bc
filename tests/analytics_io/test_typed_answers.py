"""The metrics, forecast and chart endpoints answer through typed models (api/metrics_schemas.py)
that change nothing: each answer is, key for key and number for number (3 stays 3, 2.5 stays
2.5), what the analytics computed; and the OpenAPI document describes each one."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from flowdesk.api.metrics_schemas import ChartsOut, ForecastOut
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import LOCAL_USER
from flowdesk.reporting.data import chart_data
from flowdesk.services import analytics, promise_views
from flowdesk.storage.unit_of_work import UnitOfWork

CLM = "/api/v1/services/CLM"


@pytest.fixture
def claims(client: TestClient, clock: FixedClock) -> TestClient:
    """Claims delivered, blocked, reworked, discarded and due: every part of an answer."""
    assert client.post("/api/v1/services", json={  # these claims go straight to Done
        "key": "CLM", "name": "Claims", "deliver_from_any_stage": True}).is_success
    stages = {s["name"]: s["id"] for s in client.get(CLM).json()["stages"]}
    start = clock.now()
    for n in range(12):
        body: dict[str, Any] = {"title": f"claim {n}", "type": "claim" if n % 3 else "query"}
        if n % 4 == 0:
            body.update(class_of_service="fixed_date",
                        due_date=(start.date() + timedelta(days=20 + n)).isoformat())
        assert client.post(f"{CLM}/items", json=body).is_success

    def move(n: int, stage: str) -> None:
        body = {"to_stage": stages[stage], "reason": "a duplicate"}
        answer = client.post(f"/api/v1/items/CLM-{n}/move", json=body)
        assert answer.is_success, answer.text

    for day in range(9):
        clock.set(start + timedelta(days=day, hours=3))
        move(day + 1, "In progress")
        if day >= 2:
            move(day - 1, "Done")
    assert client.post("/api/v1/items/CLM-9/block",
                       json={"reason": "agency", "category": "customer"}).is_success
    move(3, "In progress")  # reopened
    move(11, "Discarded")
    clock.set(start + timedelta(days=10))
    return client


def same_json(answer: Any, expected: Any) -> None:
    """Equal as JSON text: a float where an int was (or the reverse) shows."""
    assert json.dumps(answer, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_metrics_answer_what_the_analytics_compute(claims: TestClient, uow: UnitOfWork,
                                                   clock: FixedClock) -> None:
    source = analytics.from_service(uow, LOCAL_USER, "CLM", clock.now(), with_promises=True)
    same_json(claims.get(f"{CLM}/metrics").json(), analytics.metrics(source))
    same_json(claims.get(f"{CLM}/metrics/items").json(), analytics.item_rows(source))
    risks = promise_views.due_and_at_risk(uow, LOCAL_USER, "CLM", clock.now())
    same_json(claims.get(f"{CLM}/metrics/on-time").json(), promise_views.risk_json(risks))
    assert claims.get(f"{CLM}/metrics/on-time").json()["items"]  # due items were there


@pytest.mark.parametrize("question", [{"when": 5}, {"how_many_by": "2027-01-31"}])
def test_forecasts_answer_what_the_analytics_compute(claims: TestClient, uow: UnitOfWork,
                                                     clock: FixedClock,
                                                     question: dict[str, Any]) -> None:
    source = analytics.from_service(uow, LOCAL_USER, "CLM", clock.now())
    expected = analytics.forecast(
        source, when_count=question.get("when"), seed=7, trials=2_000,
        how_many_by_date=date.fromisoformat(question["how_many_by"])
        if "how_many_by" in question else None)
    answer = claims.get(f"{CLM}/forecast", params={**question, "seed": 7, "trials": 2_000})
    assert answer.status_code == 200, answer.text
    same_json(answer.json(), expected)
    TypeAdapter(ForecastOut).validate_python(answer.json())


def test_the_charts_answer_holds_to_its_declared_model(claims: TestClient, uow: UnitOfWork,
                                                       clock: FixedClock) -> None:
    answer = claims.get(f"{CLM}/metrics/charts", params={"seed": 3}).json()
    ChartsOut.model_validate(answer)  # extra fields are refused: the model lists them all
    source = analytics.from_service(uow, LOCAL_USER, "CLM", clock.now())
    same_json(answer, chart_data(source, seed=3))
    assert answer["forecast"]["when"] is not None and answer["blockers"]["categories"]
    sliced = claims.get(f"{CLM}/metrics/charts", params={"type": "nobody's type"}).json()
    ChartsOut.model_validate(sliced)  # nothing selected: the empty answer holds too


@pytest.mark.parametrize("path", ["/metrics", "/metrics/items", "/metrics/on-time",
                                  "/metrics/charts", "/forecast"])
def test_the_openapi_document_describes_each_answer(app: FastAPI, path: str) -> None:
    schema = app.openapi()["paths"]["/api/v1/services/{key}" + path]["get"]["responses"]["200"]
    described = json.dumps(schema["content"]["application/json"]["schema"])
    assert "$ref" in described, described
