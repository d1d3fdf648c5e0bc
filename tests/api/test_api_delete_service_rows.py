"""Deleting a service removes its rows from every table in one transaction, on both
databases, and leaves every other service's rows as they were."""

from __future__ import annotations

import pytest
from api_helpers import API, Claims
from bad_input_world import World, make_world
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select

from cast import OPERATOR
from flowdesk.services import lifecycle
from flowdesk.storage import repository as repo
from flowdesk.storage import service_rows
from flowdesk.storage.tables import calendars, customers, metadata, users
from flowdesk.storage.unit_of_work import UnitOfWork


def fill_every_table(world: World, claims: Claims) -> None:
    """Give the service a row in every table a service owns."""
    client = world.client
    key = claims.key
    blocked = claims.new_item("Blocked refund", assignees=["amira"])
    claims.moved(blocked["key"], "In progress")
    for response in (
        client.post(f"{API}/items/{blocked['key']}/block",
                    json={"reason": "waiting on the agency", "category": "customer"}),
        client.post(f"{API}/services/{key}/items", json={"title": "Retried"},
                    headers={"Idempotency-Key": f"{key}-retry-1"}),
        client.post(f"{API}/services/{key}/stage-groups", json={
            "name": "Assess and review", "limit": 3,
            "stage_ids": [claims.stage["In progress"], claims.stage["Review"]]}),
        client.put(f"{API}/services/{key}/demand/thresholds", json={"min_usual": 6}),
        client.post(f"{API}/services/{key}/demand/acknowledgements",
                    json={"kind": "inflow_drop", "note": "the data hub is down"}),
        client.put(f"{API}/services/{key}/skills", json={"skills": [{"name": "payments"}]}),
        client.post(f"{API}/services/{key}/agreements", json={
            "calendar": "clm", "class_of_service": "expedite",
            "target": {"value": 4, "unit": "working_hours", "share": 0.9}}),
        client.put(f"{API}/services/{key}/service-levels", json={"targets": [
            {"class_of_service": "standard", "percentile": 85, "days": 5}]}),
    ):
        assert response.status_code < 300, response.text


def counts(engine: Engine, service_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return service_rows.count_rows(conn, service_id)


def table_sizes(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in metadata.sorted_tables}


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    made = make_world(client, engine)
    fill_every_table(made, made.claims)
    fill_every_table(made, made.settlements)
    return made


def test_deleting_a_service_leaves_nothing_of_it_and_the_other_untouched(
        world: World, engine: Engine) -> None:
    with engine.connect() as conn:
        claims_id = repo.service_id_for_key(conn, "CLM")
        other_id = repo.service_id_for_key(conn, "INT")
    before = counts(engine, claims_id)
    empty = sorted(name for name, n in before.items() if n == 0)
    assert not empty, f"the test gives the service no rows in {empty}: fill them too"
    other_before = counts(engine, other_id)
    sizes = table_sizes(engine)

    response = world.client.request("DELETE", f"{API}/services/CLM", json={"confirm": "CLM"})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == before

    assert set(counts(engine, claims_id).values()) == {0}
    assert counts(engine, other_id) == other_before
    after = table_sizes(engine)
    for name, size in sizes.items():
        assert after[name] == size - before.get(name, 0), name
    # What every service shares stays: people, customers, calendars.
    for shared in (users, customers, calendars):
        assert after[shared.name] == sizes[shared.name]


def test_a_delete_that_fails_midway_deletes_nothing(world: World, engine: Engine,
                                                    uow: UnitOfWork,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = table_sizes(engine)
    real = service_rows.delete_rows

    def failing(conn: Connection, service_id: int) -> dict[str, int]:
        real(conn, service_id)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(service_rows, "delete_rows", failing)
    with pytest.raises(RuntimeError):
        lifecycle.delete_service(uow, OPERATOR, "CLM", "CLM")
    assert table_sizes(engine) == sizes
