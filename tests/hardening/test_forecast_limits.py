"""A forecast is bounded: how far ahead, how many items, how much simulation, how long it
runs, and it stops when nobody waits for it any more."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from flowdesk.analytics.forecast import how_many
from flowdesk.api.disconnect import ClientGone, until_disconnected
from flowdesk.domain.errors import InvalidInput
from flowdesk.services.analytics import MAX_HORIZON_DAYS, Budget, Cancelled

API = "/api/v1"
STAGES = [{"name": "Options", "phase": "upstream"}, {"name": "Doing", "phase": "committed"},
          {"name": "Done", "phase": "done"}, {"name": "Discarded", "phase": "discarded"}]


@pytest.fixture
def service(client: TestClient) -> str:
    body = client.post(f"{API}/services", json={"key": "CLM", "name": "Claims",
                                                "stages": STAGES,
                                                "deliver_from_any_stage": True}).json()
    done = next(s["id"] for s in body["stages"] if s["name"] == "Done")
    for n in range(3):
        key = client.post(f"{API}/services/CLM/items", json={"title": f"claim {n}"}).json()["key"]
        assert client.post(f"{API}/items/{key}/move", json={"to_stage": done}).status_code == 200
    return "CLM"


def forecast(client: TestClient, **params: Any) -> Any:
    return client.get(f"{API}/services/CLM/forecast", params=params)


def test_a_forecast_further_than_ten_years_ahead_is_refused_naming_the_date(
        client: TestClient, service: str) -> None:
    for far in ("9999-12-31", "2036-03-03"):
        response = forecast(client, how_many_by=far, trials=1_000_000)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "how_many_by"
    near = forecast(client, how_many_by="2026-04-30", trials=1000, seed=1)
    assert near.status_code == 200, near.text


def test_too_many_items_to_wait_for_is_refused_naming_when(client: TestClient,
                                                            service: str) -> None:
    response = forecast(client, when=1_000_000, trials=1_000_000)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "when"


def test_more_simulation_than_the_budget_is_refused_naming_the_trials_that_fit(
        client: TestClient, service: str) -> None:
    days = MAX_HORIZON_DAYS - 10
    response = forecast(client, when=3 * days, trials=1_000_000)  # 3 a day: ~days days
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "trials"
    assert "ask for at most" in body["message"]
    fits = forecast(client, when=30, trials=100_000, seed=1)  # 100,000 x ~12 days
    assert fits.status_code == 200, fits.text


def test_a_forecast_past_its_time_budget_stops_with_a_clear_refusal() -> None:
    ticks = iter(range(100))  # each checkpoint is a second later
    budget = Budget(seconds=3, now=lambda: float(next(ticks)))
    samples = np.array([1, 2, 3], dtype=np.int64)
    with pytest.raises(InvalidInput) as refused:
        how_many(samples, 3000, np.random.default_rng(1), trials=200_000, checkpoint=budget)
    assert refused.value.field == "trials"


def test_a_cancelled_forecast_stops_at_its_next_checkpoint() -> None:
    budget = Budget(seconds=60)
    budget.cancelled.set()
    with pytest.raises(Cancelled):
        how_many(np.array([1, 2], dtype=np.int64), 10, np.random.default_rng(1), 10,
                 checkpoint=budget)


class GoneAfter:
    """A request whose client disconnects after `polls` looks."""

    def __init__(self, polls: int) -> None:
        self.polls = polls

    async def is_disconnected(self) -> bool:
        self.polls -= 1
        return self.polls < 0


def test_work_stops_when_the_client_goes_away() -> None:
    cancelled = threading.Event()
    budget = Budget(seconds=3600, cancelled=cancelled)
    checks = 0

    def endless() -> None:
        nonlocal checks
        while True:  # a forecast that would run for an hour
            checks += 1
            budget()
            threading.Event().wait(0.01)

    async def run() -> None:
        await until_disconnected(GoneAfter(2), cancelled, endless)  # type: ignore[arg-type]

    with pytest.raises(ClientGone):
        asyncio.run(run())
    assert cancelled.is_set() and checks > 0


def test_metrics_over_more_than_ten_years_are_refused_naming_the_range(
        client: TestClient, service: str) -> None:
    for route in ("metrics", "metrics/charts"):
        response = client.get(f"{API}/services/CLM/{route}",
                              params={"from": "1900-01-01", "to": "2999-12-31"})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "from"
        ten_years = client.get(f"{API}/services/CLM/{route}",
                               params={"from": "2016-03-05", "to": "2026-03-02"})
        assert ten_years.status_code == 200, ten_years.text
