"""PUT /api/v1/services/{key}/workflow: the whole stage list, applied in one transaction or
refused with nothing changed; every change an event with who made it; retired stages keep
their history; and delivery only from the last committed stage unless the service allows it.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import API, Claims, create_service
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from cast import token_of
from flowdesk.storage.tables import item_events, stages
from flowdesk.storage.unit_of_work import UnitOfWork


@pytest.fixture
def claims(client: TestClient) -> Claims:
    return create_service(client)


def current(claims: Claims) -> list[dict[str, Any]]:
    """The workflow as the API shows it, as a PUT body's stage list."""
    body = claims.client.get(f"{API}/services/{claims.key}").json()
    return [{"id": s["id"], "name": s["name"], "phase": s["phase"], "kind": s["kind"],
             "wip_limit": s["limit"], "policy": s["policy"]} for s in body["stages"]]


def put(claims: Claims, stage_list: list[dict[str, Any]], **extra: Any) -> Any:
    return claims.client.put(f"{API}/services/{claims.key}/workflow",
                             json={"stages": stage_list, **extra})


def footprint(engine: Engine) -> tuple[int, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(item_events)).scalar_one()
        rows = conn.execute(select(stages.c.id, stages.c.name, stages.c.phase, stages.c.kind,
                                   stages.c.position, stages.c.wip_limit, stages.c.policy,
                                   stages.c.retired_at).order_by(stages.c.id)).all()
    return int(events), [tuple(r) for r in rows]


def test_adding_renaming_reordering_and_retiring_in_one_request(claims: Claims) -> None:
    body = current(claims)
    options, ready, doing, review, done, discarded = body
    review["name"] = "Check"
    ready["retired"] = True
    approval = {"name": "Approval", "phase": "committed", "kind": "queue", "wip_limit": 2,
                "policy": "A manager approves payouts above €1,000."}
    answer = put(claims, [options, ready, review, doing, approval, done, discarded])
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert [s["name"] for s in shown["stages"]] == ["Options", "Check", "In progress",
                                                    "Approval", "Done", "Discarded"]
    assert [s["name"] for s in shown["retired_stages"]] == ["Ready"]
    assert shown["stages"][1]["id"] == review["id"]  # renamed, the same stage
    assert shown["stages"][3]["limit"] == 2
    assert not shown["deliver_from_any_stage"]
    feed = claims.client.get(f"{API}/services/{claims.key}/events",
                             params={"after": claims.setup_seq}).json()["events"]
    change = [e for e in feed if e["kind"] == "workflow_changed"]
    assert len(change) == 1 and change[0]["actor"] == "olivia"
    kinds = [c["change"] for c in change[0]["payload"]["changes"]]
    assert set(kinds) == {"added", "renamed", "retired", "reordered"}


def test_the_same_workflow_sent_again_changes_nothing(claims: Claims, engine: Engine) -> None:
    before = footprint(engine)
    answer = put(claims, current(claims))
    assert answer.status_code == 200, answer.text
    assert footprint(engine) == before


def test_retiring_a_stage_that_holds_items_is_refused_naming_them(
        claims: Claims, engine: Engine) -> None:
    first = claims.new_item()["key"]
    second = claims.new_item("Cancelled ferry, Split")["key"]
    claims.moved(first, "Ready")
    claims.moved(second, "Ready")
    body = current(claims)
    body[1]["retired"] = True
    before = footprint(engine)
    answer = put(claims, body)
    assert answer.status_code == 409, answer.text
    error = answer.json()
    assert first in error["message"] and second in error["message"]
    assert error["items"] == {"Ready": [first, second]}
    assert footprint(engine) == before
    # Moved out first, it retires.
    claims.moved(first, "Options")
    claims.moved(second, "Options")
    assert put(claims, body).status_code == 200


def test_changing_the_phase_of_a_stage_that_holds_items_is_refused(claims: Claims) -> None:
    key = claims.new_item()["key"]
    claims.moved(key, "Ready")
    body = current(claims)
    body[1]["phase"] = "committed"
    answer = put(claims, body)
    assert answer.status_code == 409, answer.text
    assert key in answer.json()["message"]


def with_change(claims: Claims, how: str) -> list[dict[str, Any]]:
    body = current(claims)
    if how == "duplicate name":
        body[1]["name"] = "options"
    elif how == "empty name":
        body[1]["name"] = "   "
    elif how == "limit below 0":
        body[2]["wip_limit"] = -1
    elif how == "no committed stage":
        body = [s for s in body if s["phase"] != "committed"]
        body = [*body[:2], *body[2:]]
    elif how == "no done stage":
        body[4]["retired"] = True
    elif how == "phases out of order":
        body[0], body[4] = body[4], body[0]
    elif how == "a stage left out":
        body.pop(3)
    elif how == "another service's stage":
        body[1]["id"] = 999_999
    return body


@pytest.mark.parametrize(("how", "field", "words"), [
    ("duplicate name", "stages[1].name", "used twice"),
    ("empty name", "stages[1].name", "no name"),
    ("limit below 0", "stages[2].wip_limit", "at least 1"),
    ("no committed stage", "stages", "missing"),
    ("no done stage", "stages", "done stage"),
    ("phases out of order", "stages", "upstream, then committed"),
    ("a stage left out", "stages", "'Review' is missing"),
    ("another service's stage", "stages[1].id", "not part of"),
])
def test_a_bad_workflow_is_refused_with_422_and_changes_nothing(
        claims: Claims, engine: Engine, how: str, field: str, words: str) -> None:
    body = with_change(claims, how)
    before = footprint(engine)
    answer = put(claims, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()
    assert error["field"] == field and words in error["message"], error
    assert footprint(engine) == before


def test_a_workflow_without_committed_stages_is_refused_saying_why(claims: Claims) -> None:
    body = current(claims)
    for stage in body:
        if stage["phase"] == "committed":
            stage["retired"] = True
            stage["wip_limit"] = None
    answer = put(claims, body)
    assert answer.status_code == 422, answer.text
    assert "a workflow needs a committed stage" in answer.json()["message"]


def test_a_retired_stage_takes_no_work(claims: Claims) -> None:
    key = claims.new_item()["key"]
    body = current(claims)
    body[1]["retired"] = True
    assert put(claims, body).status_code == 200
    answer = claims.move(key, "Ready")
    assert answer.status_code == 409, answer.text
    assert "'Ready' is retired" in answer.json()["message"]


def test_a_retired_stage_keeps_its_past_events_and_its_name(claims: Claims) -> None:
    key = claims.new_item()["key"]
    claims.moved(key, "Ready")
    claims.moved(key, "Options")
    body = current(claims)
    body[1]["retired"] = True
    assert put(claims, body).status_code == 200
    history = [(e["kind"], e.get("to_stage")) for e in claims.events(key)]
    assert ("moved", "Ready") in history


def test_a_rename_shows_in_the_item_history_under_the_new_name(claims: Claims) -> None:
    key = claims.new_item()["key"]
    claims.moved(key, "Ready")
    body = current(claims)
    body[1]["name"] = "Ready to pull"
    assert put(claims, body).status_code == 200
    assert ("moved", "Ready to pull") in [(e["kind"], e.get("to_stage"))
                                          for e in claims.events(key)]


def test_two_stages_may_swap_names(claims: Claims) -> None:
    body = current(claims)
    body[2]["name"], body[3]["name"] = body[3]["name"], body[2]["name"]
    answer = put(claims, body)
    assert answer.status_code == 200, answer.text
    assert [s["name"] for s in answer.json()["stages"]][2:4] == ["Review", "In progress"]


def test_a_retired_stage_comes_back_when_sent_with_its_id(claims: Claims) -> None:
    body = current(claims)
    body[1]["retired"] = True
    assert put(claims, body).status_code == 200
    body[1]["retired"] = False
    answer = put(claims, body)
    assert answer.status_code == 200, answer.text
    assert [s["name"] for s in answer.json()["stages"]][1] == "Ready"
    assert answer.json()["retired_stages"] == []


def test_a_team_member_may_not_change_the_workflow(client: TestClient, claims: Claims,
                                                   uow: UnitOfWork) -> None:
    token = token_of(uow, "amira")
    answer = client.put(f"{API}/services/{claims.key}/workflow", json={"stages": current(claims)},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403, answer.text
    assert "Service Request Manager or Service Delivery Manager" in answer.json()["message"]


# --- delivering -----------------------------------------------------------------------------

def test_delivering_from_a_non_final_stage_is_refused_by_default_and_allowed_when_the_service_says_so(  # noqa: E501
        claims: Claims) -> None:
    key = claims.new_item()["key"]
    claims.moved(key, "Ready")
    claims.moved(key, "In progress")
    refused = claims.move(key, "Done")
    assert refused.status_code == 409, refused.text
    assert "delivered only from 'Review'" in refused.json()["message"]
    assert claims.events(key)[-1]["to_stage"] == "In progress"
    allowed = put(claims, current(claims), deliver_from_any_stage=True)
    assert allowed.status_code == 200 and allowed.json()["deliver_from_any_stage"]
    assert claims.moved(key, "Done")["stage"] == "Done"


def test_delivering_from_the_last_committed_stage_is_always_allowed(claims: Claims) -> None:
    key = claims.new_item()["key"]
    for stage in ("Ready", "In progress", "Review", "Done"):
        claims.moved(key, stage)


def test_reopen_and_discard_still_need_their_reasons(claims: Claims) -> None:
    key = claims.new_item()["key"]
    for stage in ("Ready", "In progress"):
        claims.moved(key, stage)
    no_reason = claims.move(key, "Discarded")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    claims.moved(key, "Discarded", reason="the client withdrew the claim")
