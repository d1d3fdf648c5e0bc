"""A due date out of any sane range is refused at the door, and one already stored (from
before the check) never breaks a page."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from flowdesk.storage.tables import items

API = "/api/v1"


@pytest.fixture
def service(client: TestClient) -> str:
    response = client.post(f"{API}/services", json={"key": "CLM", "name": "Priority claims"})
    assert response.status_code == 201, response.text
    return "CLM"


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01", "1900-01-01", "2200-01-01", 0,
                                 20260331, True])
def test_a_due_date_out_of_range_or_not_a_date_is_refused(client: TestClient, service: str,
                                                         due: object) -> None:
    response = client.post(f"{API}/services/{service}/items",
                           json={"title": "Refund", "due_date": due})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "due_date"
    created = client.post(f"{API}/services/{service}/items", json={"title": "Refund"})
    patched = client.patch(f"{API}/items/{created.json()['key']}", json={"due_date": due})
    assert patched.status_code == 422, patched.text
    assert patched.json()["field"] == "due_date"


def test_a_due_date_in_range_is_kept(client: TestClient, service: str) -> None:
    response = client.post(f"{API}/services/{service}/items",
                           json={"title": "Refund", "due_date": "2199-12-31"})
    assert response.status_code == 201, response.text
    assert response.json()["due_date"] == "2199-12-31"


def test_a_stored_far_future_due_date_still_renders_the_board_and_the_item(
        client: TestClient, service: str, engine: Engine) -> None:
    key = client.post(f"{API}/services/{service}/items", json={"title": "Refund"}).json()["key"]
    with engine.begin() as conn:  # as a database from before the check could hold it
        conn.execute(update(items).values(due_date=date(9999, 12, 31)))
    assert client.get(f"/services/{service}/board").status_code == 200
    assert client.get(f"/services/{service}/items/{key}").status_code == 200
    assert client.get(f"{API}/services/{service}/metrics/on-time").status_code == 200
