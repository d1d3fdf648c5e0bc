"""A workflow change keeps history, on both databases: every past event stays as it was, and
the metrics and the cumulative flow of the period before the change are the same after it
(a renamed stage under its new name, a retired one in its place)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_helpers import API, CLAIMS_WORKFLOW, Claims, create_service
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flowdesk.domain.clock import FixedClock
from flowdesk.storage.tables import item_events

SUMMARY = ("delivered_count", "lead_time_days", "lead_time_calendar_days", "throughput", "wip",
           "flow_efficiency", "blocked_days_by_category")


@pytest.fixture
def claims(client: TestClient, clock: FixedClock) -> Claims:
    """Six claims over five days: three delivered, two in progress (one blocked for a
    while), one that went through Ready and back to Options."""
    unlimited = [{k: v for k, v in s.items() if k != "wip_limit"} for s in CLAIMS_WORKFLOW]
    claims = create_service(client, stages=unlimited)
    keys = [claims.new_item(f"claim {n}")["key"] for n in range(6)]
    start = clock.now()
    walks = {0: ("Ready", "In progress", "Review", "Done"),
             1: ("Ready", "In progress", "Review", "Done"),
             2: ("Ready", "In progress", "Review", "Done"),
             3: ("Ready", "In progress"),
             4: ("Ready", "In progress", "Review"),
             5: ("Ready", "Options")}
    for step in range(4):
        for n, walk in walks.items():
            if step < len(walk):
                clock.set(start + timedelta(days=step + 1, hours=n))
                claims.moved(keys[n], walk[step])
        if step == 1:
            assert client.post(f"{API}/items/{keys[3]}/block",
                               json={"reason": "missing invoice",
                                     "category": "customer"}).is_success
        if step == 2:
            assert client.post(f"{API}/items/{keys[3]}/unblock").is_success
    clock.set(start + timedelta(days=6))
    return claims


def stage_list(claims: Claims) -> list[dict[str, Any]]:
    body = claims.client.get(f"{API}/services/{claims.key}").json()
    return [{"id": s["id"], "name": s["name"], "phase": s["phase"], "kind": s["kind"],
             "wip_limit": s["limit"], "policy": s["policy"]} for s in body["stages"]]


def figures(claims: Claims, period: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    metrics = claims.client.get(f"{API}/services/{claims.key}/metrics", params=period)
    charts = claims.client.get(f"{API}/services/{claims.key}/metrics/charts", params=period)
    assert metrics.status_code == 200 and charts.status_code == 200, charts.text
    cfd = charts.json()["cumulative_flow"]
    return ({k: metrics.json()[k] for k in SUMMARY},
            dict(zip(cfd["states"], cfd["lines"], strict=True)))


def event_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(item_events).order_by(item_events.c.id))]


def change(claims: Claims, how: str) -> dict[str, str]:
    """Apply one kind of change; answer the renames it made (old name -> new name)."""
    body = stage_list(claims)
    renames: dict[str, str] = {}
    if how == "add":
        body.insert(4, {"name": "Approval", "phase": "committed", "kind": "queue"})
    elif how == "rename":
        body[3]["name"] = "Four eyes"
        renames["Review"] = "Four eyes"
    elif how == "reorder":
        body[0], body[1] = body[1], body[0]
    elif how == "retire":
        body[1]["retired"] = True  # Ready: every claim went through it, none is in it now
    answer = claims.client.put(f"{API}/services/{claims.key}/workflow", json={"stages": body})
    assert answer.status_code == 200, answer.text
    return renames


@pytest.mark.parametrize("how", ["add", "rename", "reorder", "retire"])
def test_a_workflow_change_keeps_every_past_event_and_the_figures_of_the_past(
        claims: Claims, engine: Engine, clock: FixedClock, how: str) -> None:
    period = {"from": (clock.now() - timedelta(days=6)).date().isoformat(),
              "to": (clock.now() - timedelta(days=1)).date().isoformat()}
    events_before = event_rows(engine)
    metrics_before, cfd_before = figures(claims, period)
    assert metrics_before["delivered_count"] == 3
    clock.advance(timedelta(hours=2))
    renames = change(claims, how)
    events_after = event_rows(engine)
    assert events_after[:len(events_before)] == events_before  # not one changed or lost
    assert [row[4] for row in events_after[len(events_before):]] == ["workflow_changed"]
    metrics_after, cfd_after = figures(claims, period)
    assert metrics_after == metrics_before
    if how == "reorder":
        # Upstream stages swapped: the committed, done lines ("reached this or later") stay.
        for name in ("In progress", "Review", "Done"):
            assert cfd_after[name] == cfd_before[name], name
        return
    for name, line in cfd_before.items():
        assert cfd_after[renames.get(name, name)] == line, name
    if how == "add":
        assert cfd_after["Approval"] == cfd_before["Done"]  # nothing ever stopped there
    if how == "retire":
        assert "Ready" in cfd_after  # its place in cumulative flow kept


def test_a_renamed_stage_shows_under_its_new_name_in_every_chart(
        claims: Claims, clock: FixedClock) -> None:
    clock.advance(timedelta(hours=2))
    change(claims, "rename")
    charts = claims.client.get(f"{API}/services/{claims.key}/metrics/charts").json()
    assert "Four eyes" in charts["cumulative_flow"]["states"]
    assert "Review" not in charts["cumulative_flow"]["states"]
    assert "Review" not in [s["name"] for s in charts["states"]]
