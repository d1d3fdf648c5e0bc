"""A service's life through the API: created from a template, archived (read-only, out of the
list, its analytics kept), restored, exported and deleted by an admin who types its key."""

from __future__ import annotations

import json

from api_helpers import API, Claims, create_service
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cast import enrol, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Role
from flowdesk.storage.tables import item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork


def as_user(client: TestClient, uow: UnitOfWork, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(uow, username)}"}


def test_a_service_made_from_a_template_takes_its_stages_types_and_categories(
        client: TestClient) -> None:
    response = client.post(f"{API}/services", json={
        "key": "DESK", "name": "IT desk", "template": "it-service-desk",
        "timezone": "Europe/Brussels"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [s["name"] for s in body["stages"]][:3] == ["New", "Triaged", "Resolving"]
    assert body["item_types"] == ["incident", "service request", "change", "problem"]
    assert "access" in body["blocker_categories"]
    assert body["timezone"] == "Europe/Brussels"
    assert body["archived_at"] is None


def test_what_is_given_wins_over_the_template(client: TestClient) -> None:
    response = client.post(f"{API}/services", json={
        "key": "SW", "name": "Payments team", "template": "software-delivery",
        "item_types": ["story", "bug"], "blocker_categories": ["waiting on QA"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["item_types"] == ["story", "bug"]
    assert body["blocker_categories"] == ["waiting on QA"]
    assert "Released" in [s["name"] for s in body["stages"]]


def test_an_unknown_template_is_refused_by_name(client: TestClient) -> None:
    response = client.post(f"{API}/services", json={"key": "X1", "name": "X",
                                                    "template": "bakery"})
    assert response.status_code == 422
    assert response.json()["field"] == "template"
    assert client.get(f"{API}/services/X1").status_code == 404


def test_a_type_named_twice_is_refused(client: TestClient) -> None:
    response = client.post(f"{API}/services", json={"key": "X2", "name": "X",
                                                    "item_types": ["bug", "Bug"]})
    assert response.status_code == 422
    assert response.json()["field"] == "item_types"


def test_an_archived_service_is_read_only_and_out_of_the_list_with_its_history_kept(
        claims: Claims, engine: Engine) -> None:
    client = claims.client
    item = claims.new_item("Refund")
    claims.moved(item["key"], "In progress")
    claims.moved(item["key"], "Review")
    claims.moved(item["key"], "Done")
    before = client.get(f"{API}/services/CLM/metrics").json()
    archived = client.post(f"{API}/services/CLM/archive")
    assert archived.status_code == 200, archived.text
    assert archived.json()["archived_at"] is not None

    assert [s["key"] for s in client.get(f"{API}/services").json()] == []
    assert [s["key"] for s in client.get(f"{API}/services?archived=true").json()] == ["CLM"]
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(item_events)).scalar_one()
    writes = [
        client.post(f"{API}/services/CLM/items", json={"title": "one more"}),
        client.post(f"{API}/items/{item['key']}/move",
                    json={"to_stage": claims.stage["In progress"]}),
        client.patch(f"{API}/items/{item['key']}", json={"title": "renamed"}),
        client.put(f"{API}/services/CLM/stages/{claims.stage['Review']}/limit",
                   json={"limit": 5}),
        client.put(f"{API}/services/CLM/person-limit", json={"limit": 3}),
        client.put(f"{API}/services/CLM/members/zoe", json={"roles": ["viewer"]}),
        client.put(f"{API}/services/CLM/blocker-categories", json={"categories": ["x"]}),
    ]
    for refused in writes:
        assert refused.status_code == 409, refused.text
        assert "archived" in refused.json()["message"]
        assert refused.json()["field"] == "key"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(item_events)).scalar_one() == \
            events
        assert conn.execute(select(items.c.title)).scalars().all() == ["Refund"]
    # Reading goes on: the board, the item, the metrics, the feed.
    assert client.get(f"{API}/services/CLM/board").status_code == 200
    assert client.get(f"{API}/items/{item['key']}").status_code == 200
    assert client.get(f"{API}/services/CLM/metrics").json() == before
    kinds = [e["kind"] for e in client.get(f"{API}/services/CLM/events").json()["events"]]
    assert kinds[-1] == "service_archived"

    restored = client.post(f"{API}/services/CLM/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["archived_at"] is None
    assert [s["key"] for s in client.get(f"{API}/services").json()] == ["CLM"]
    assert client.post(f"{API}/services/CLM/items", json={"title": "one more"}).status_code \
        == 201


def test_archiving_twice_or_restoring_a_live_service_changes_nothing(claims: Claims) -> None:
    client = claims.client
    assert client.post(f"{API}/services/CLM/restore").status_code == 200
    first = client.post(f"{API}/services/CLM/archive").json()["archived_at"]
    again = client.post(f"{API}/services/CLM/archive")
    assert again.status_code == 200 and again.json()["archived_at"] == first
    kinds = [e["kind"] for e in client.get(f"{API}/services/CLM/events").json()["events"]]
    assert kinds.count("service_archived") == 1 and "service_restored" not in kinds


def test_a_service_delivery_manager_archives_and_a_team_member_may_not(
        claims: Claims, uow: UnitOfWork, clock: FixedClock) -> None:
    client = claims.client
    enrol(uow, clock, "CLM", ["mehdi"], [Role.SERVICE_DELIVERY_MANAGER])
    refused = client.post(f"{API}/services/CLM/archive", headers=as_user(client, uow, "amira"))
    assert refused.status_code == 403
    assert "Service Delivery Manager" in refused.json()["message"]
    outsider = client.post(f"{API}/services/CLM/archive",
                           headers=as_user(client, uow, "mallory"))
    assert outsider.status_code == 404
    allowed = client.post(f"{API}/services/CLM/archive", headers=as_user(client, uow, "mehdi"))
    assert allowed.status_code == 200, allowed.text
    # The archived service stays readable to its members, and they may restore it.
    assert client.get(f"{API}/services/CLM/board",
                      headers=as_user(client, uow, "amira")).status_code == 200
    assert client.post(f"{API}/services/CLM/restore",
                       headers=as_user(client, uow, "mehdi")).status_code == 200


def test_deleting_with_the_wrong_key_typed_is_refused_and_deletes_nothing(
        claims: Claims) -> None:
    client = claims.client
    claims.new_item("Refund")
    response = client.request("DELETE", f"{API}/services/CLM", json={"confirm": "CLN"})
    assert response.status_code == 422
    assert response.json()["field"] == "confirm"
    assert "CLM" in response.json()["message"]
    assert client.get(f"{API}/services/CLM/board").json()["stages"][0]["count"] == 1


def test_only_an_admin_deletes_a_service(claims: Claims, uow: UnitOfWork,
                                         clock: FixedClock) -> None:
    client = claims.client
    enrol(uow, clock, "CLM", ["mehdi"], [Role.SERVICE_DELIVERY_MANAGER])
    refused = client.request("DELETE", f"{API}/services/CLM", json={"confirm": "CLM"},
                             headers=as_user(client, uow, "mehdi"))
    assert refused.status_code == 403
    assert "admin" in refused.json()["message"]
    assert client.get(f"{API}/services/CLM").status_code == 200


def test_an_admin_deletes_a_service_and_the_other_is_untouched(
        claims: Claims, settlements: Claims) -> None:
    client = claims.client
    item = claims.new_item("Refund")
    claims.moved(item["key"], "In progress")
    settlements.new_item("Transfer")
    other_before = client.get(f"{API}/services/INT/events").json()
    response = client.request("DELETE", f"{API}/services/clm", json={"confirm": "clm"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["key"] == "CLM" and body["items"] == 1 and body["events"] > 3
    assert client.get(f"{API}/services/CLM").status_code == 404
    assert client.get(f"{API}/items/{item['key']}").status_code == 404
    assert [s["key"] for s in client.get(f"{API}/services").json()] == ["INT"]
    assert client.get(f"{API}/services/INT/events").json() == other_before
    # The key may be used again, from scratch.
    again = create_service(client)
    assert again.new_item("first again")["key"] == "CLM-1"


def test_an_archived_service_may_be_deleted(claims: Claims) -> None:
    client = claims.client
    client.post(f"{API}/services/CLM/archive")
    response = client.request("DELETE", f"{API}/services/CLM", json={"confirm": "CLM"})
    assert response.status_code == 200, response.text


def test_the_export_offered_before_deleting_holds_the_whole_event_log(claims: Claims) -> None:
    client = claims.client
    item = claims.new_item("Refund")
    claims.moved(item["key"], "In progress")
    feed = client.get(f"{API}/services/CLM/events").json()["events"]
    response = client.get(f"{API}/services/CLM/export?format=jsonl")
    assert response.status_code == 200, response.text
    assert 'filename="CLM-events.jsonl"' in response.headers["content-disposition"]
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [r["seq"] for r in rows] == [e["seq"] for e in feed]
    assert rows[-1]["kind"] == "moved" or rows[-1]["item"] == item["key"]
    csv = client.get(f"{API}/services/CLM/export")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("id,seq,item,kind")
    assert len(csv.text.splitlines()) == len(feed) + 1
    assert client.get(f"{API}/services/CLM/export?format=xml").status_code == 422


def test_an_outsider_writing_to_an_archived_service_hears_it_does_not_exist(
        claims: Claims, uow: UnitOfWork) -> None:
    client = claims.client
    item = claims.new_item("Refund")
    client.post(f"{API}/services/CLM/archive")
    outsider = as_user(client, uow, "mallory")
    hidden = client.post(f"{API}/services/CLM/items", json={"title": "x"}, headers=outsider)
    missing = client.post(f"{API}/services/NOPE/items", json={"title": "x"}, headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"].replace("CLM", "NOPE") == missing.json()["message"]
    moved = client.post(f"{API}/items/{item['key']}/move",
                        json={"to_stage": claims.stage["Ready"]}, headers=outsider)
    assert moved.status_code == 404
