"""Failure demand through the API: marking an item as a correction of an earlier delivered one,
clearing it, what the metrics make of it, the first-time-fix window, and what is refused."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import API, Claims
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from cast import token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.tables import metadata
from flowdesk.storage.unit_of_work import UnitOfWork


def snapshot(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, for before-and-after comparisons."""
    with engine.connect() as conn:
        return {table.name: sorted((tuple(str(v) for v in row)
                                    for row in conn.execute(select(table))), key=repr)
                for table in metadata.sorted_tables}


def delivered(claims: Claims, title: str) -> str:
    claims.deliver_from_any_stage()  # straight to Done
    key = claims.new_item(title)["key"]
    claims.moved(key, "Done")
    return str(key)


def mark(client: TestClient, key: str, kind: str | None, stems_from: str | None) -> object:
    return client.put(f"{API}/items/{key}/failure-demand",
                      json={"kind": kind, "stems_from": stems_from})


def test_a_correction_is_linked_to_the_claim_it_corrects_and_counts_against_its_fix(
        client: TestClient, claims: Claims, clock: FixedClock) -> None:
    first = delivered(claims, "Refund for agency Nordlys")
    other = delivered(claims, "Refund for agency Atlas")
    clock.advance(timedelta(days=2))
    fix = claims.new_item("Correct the Nordlys refund")["key"]
    response = mark(client, fix, "correction", first.lower())
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["failure_demand"] == {"kind": "correction", "stems_from": first}
    assert client.get(f"{API}/items/{fix}").json()["failure_demand"]["stems_from"] == first
    event = claims.events(fix)[-1]
    assert event["kind"] == "failure_demand_marked"
    assert event["payload"]["stems_from"] == first
    metrics = client.get(f"{API}/services/CLM/metrics").json()
    # Two delivered, one of them corrected within 30 days: half fixed first time.
    assert metrics["first_time_fix"]["delivered"] == 2
    assert metrics["first_time_fix"]["fixed"] == 1
    assert metrics["first_time_fix"]["rate"] == 0.5
    # Three arrivals, one of them failure demand.
    assert metrics["failure_demand"]["failure"] == 1
    assert metrics["failure_demand"]["by_kind"] == {"correction": 1}
    assert metrics["headline"]["first_time_fix_rate"] == 0.5
    assert metrics["customer_lead_time"]["from"] == "arrival"
    assert metrics["system_lead_time"]["from"] == "commitment"
    assert "lead_time_days" in metrics  # the older names stay
    assert other in {first, other}
    # Cleared: value demand again, and the first claim is fixed first time again.
    cleared = mark(client, fix, None, None)
    assert cleared.json()["failure_demand"] is None  # type: ignore[attr-defined]
    assert claims.events(fix)[-1]["kind"] == "failure_demand_cleared"
    assert client.get(f"{API}/services/CLM/metrics").json()["first_time_fix"]["fixed"] == 2


def test_the_window_is_a_setting_of_the_service(
        client: TestClient, claims: Claims, clock: FixedClock) -> None:
    first = delivered(claims, "Refund for agency Nordlys")
    clock.advance(timedelta(days=12))
    fix = claims.new_item("Nordlys again")["key"]
    assert mark(client, fix, "repeat", first).status_code == 200  # type: ignore[attr-defined]
    assert client.get(f"{API}/services/CLM/metrics").json()["first_time_fix"]["fixed"] == 0
    set_to = client.put(f"{API}/services/CLM/first-time-fix", json={"window_days": 10})
    assert set_to.status_code == 200, set_to.text
    assert set_to.json() == {"window_days": 10}
    metrics = client.get(f"{API}/services/CLM/metrics").json()
    assert metrics["first_time_fix"]["window_days"] == 10
    assert metrics["first_time_fix"]["fixed"] == 1  # 12 days later is outside 10 days


def test_bad_failure_demand_is_refused_naming_the_field_and_changes_nothing(
        client: TestClient, claims: Claims, settlements: Claims, engine: Engine,
        app: FastAPI, uow: UnitOfWork) -> None:
    done = delivered(claims, "Refund for agency Nordlys")
    open_key = claims.new_item("Still open")["key"]
    fix = claims.new_item("Correct it")["key"]
    secret = client.post(f"{API}/services", json={"key": "SEC", "name": "Security", "stages": [
        {"name": "Options", "phase": "upstream", "kind": "queue"},
        {"name": "Doing", "phase": "committed", "kind": "activity"},
        {"name": "Done", "phase": "done", "kind": "queue"},
        {"name": "Dropped", "phase": "discarded", "kind": "queue"}]})
    assert secret.status_code == 201, secret.text
    hidden = client.post(f"{API}/services/SEC/items", json={"title": "breach"}).json()["key"]
    amira = TestClient(app, headers={"Authorization": f"Bearer {token_of(uow, 'amira')}"})
    before = snapshot(engine)
    cases = [
        (client, {"kind": "correction", "stems_from": open_key}, "stems_from"),  # not delivered
        (client, {"kind": "correction", "stems_from": fix}, "stems_from"),  # itself
        (client, {"kind": "correction"}, "stems_from"),  # no earlier item
        (client, {"kind": "praise", "stems_from": done}, "kind"),
        (client, {"kind": "repeat", "stems_from": "NOPE-1"}, "stems_from"),
        (amira, {"kind": "repeat", "stems_from": hidden}, "stems_from"),  # cannot see SEC
        (client, {"stems_from": done}, "kind"),  # no kind at all
    ]
    messages = {}
    for who, body, field in cases:
        response = who.put(f"{API}/items/{fix}/failure-demand", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
        messages[str(body.get("stems_from"))] = response.json()["message"]
        assert snapshot(engine) == before, body
    # A service Amira cannot see is not told apart from an item that does not exist.
    assert messages[hidden].replace(hidden, "X") == messages["NOPE-1"].replace("NOPE-1", "X")
    for days in (0, 366, "30"):
        response = client.put(f"{API}/services/CLM/first-time-fix", json={"window_days": days})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "window_days"
    assert snapshot(engine) == before
    # Olivia may read INT: a link across services she can read is taken.
    other = delivered(settlements, "Transfer to Lagos")
    assert mark(client, fix, "complaint", other).status_code == 200  # type: ignore[attr-defined]
