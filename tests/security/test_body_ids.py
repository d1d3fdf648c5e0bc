"""Ids in a request body (and path) are checked like the URL's: a stage, a card or a person of
another service, or of a service one cannot see, is refused — 422 naming the field (or 404 for
a stage in the path, or a service one cannot see) — in the words used for one that does not
exist, and nothing changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from security_world import Svc, give_roles, make_service, set_password, signed_in_client, web_form
from sqlalchemy import Engine
from storage_helpers import snapshot

from cast import OPERATOR, actor_of, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import FlowdeskError, Forbidden, NotFound
from flowdesk.domain.people import Role
from flowdesk.services import analytics
from flowdesk.services import items as uc
from flowdesk.services.admin import CREATOR_ROLES
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.services.imports import import_history
from flowdesk.storage.unit_of_work import UnitOfWork

API = "/api/v1"
MISSING_STAGE = 999_999


@dataclass
class Place:
    """CLM, where Dana holds every working role; INT, where she is a team member; SEC, which
    she cannot see. Mallory works in INT only. CLM-1 and CLM-2 are Ready, CLM-3 Done; INT-1 and
    SEC-1 are Ready."""

    app: FastAPI
    engine: Engine
    clm: Svc
    int: Svc
    sec: Svc
    api: TestClient
    _browser: list[TestClient]

    @property
    def browser(self) -> TestClient:
        """Dana's browser, signed in through /login (made when a case first needs it)."""
        if not self._browser:
            self._browser.append(signed_in_client(self.app, "dana"))
        return self._browser[0]


@pytest.fixture
def place(app: FastAPI, engine: Engine, uow: UnitOfWork, clock: FixedClock) -> Place:
    clm, int_, sec = (make_service(uow, clock, key, name) for key, name in [
        ("CLM", "Priority claims"), ("INT", "International settlements"),
        ("SEC", "Security incidents")])
    set_password(uow, ["dana", "mallory", "bruno"])
    give_roles(uow, clock, "CLM", "dana", CREATOR_ROLES)
    give_roles(uow, clock, "INT", "dana", [Role.TEAM_MEMBER])
    give_roles(uow, clock, "INT", "mallory", [Role.TEAM_MEMBER])
    for svc, stages in [(clm, ["Ready", "Ready", "Done"]), (int_, ["Ready"]), (sec, ["Ready"])]:
        for stage in stages:
            item = uc.create_item(uow, clock, OPERATOR, CreateItem(svc.key, "a claim"))
            uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, svc.stage(stage)))
    api = TestClient(app, headers={"Authorization": f"Bearer {token_of(uow, 'dana')}"})
    return Place(app, engine, clm, int_, sec, api, [])


@dataclass(frozen=True)
class Refusal:
    what: str
    send: Callable[[Place, Any], Any]  # (place, the id under test) -> response
    foreign: Callable[[Place], Any]  # an id of another service
    hidden: Callable[[Place], Any]  # an id of a service Dana cannot see
    missing: Any  # an id of nothing at all
    status: int
    field: str


def api_post(url: str, body: Callable[[Place, Any], dict[str, Any]]
             ) -> Callable[[Place, Any], Any]:
    return lambda p, value: p.api.post(url, json=body(p, value))


def api_put(url: Callable[[Place, Any], str], body: dict[str, Any]
            ) -> Callable[[Place, Any], Any]:
    return lambda p, value: p.api.put(url(p, value), json=body)


def web_post(url: str, form: Callable[[Place, Any], dict[str, Any]]
             ) -> Callable[[Place, Any], Any]:
    return lambda p, value: web_form(p.browser, url, form(p, value))


def stage_of(which: str, name: str) -> Callable[[Place], int]:
    return lambda p: getattr(p, which).stage(name)


REFUSALS = [
    Refusal("a move to a stage of another service",
            api_post(f"{API}/items/CLM-1/move", lambda p, v: {"to_stage": v}),
            stage_of("int", "In progress"), stage_of("sec", "In progress"), MISSING_STAGE,
            422, "to_stage"),
    Refusal("a move from the board to a stage of another service",
            web_post("/items/CLM-1/move", lambda p, v: {"to_stage": v}),
            stage_of("int", "In progress"), stage_of("sec", "In progress"), MISSING_STAGE,
            422, "to_stage"),
    Refusal("reopening into a stage of another service",
            web_post("/items/CLM-3/reopen", lambda p, v: {"to_stage": v}),
            stage_of("int", "In progress"), stage_of("sec", "In progress"), MISSING_STAGE,
            422, "to_stage"),
    Refusal("a move before a card of another service",
            api_post(f"{API}/items/CLM-1/move",
                     lambda p, v: {"to_stage": p.clm.stage("Ready"), "before": v}),
            lambda p: "INT-1", lambda p: "SEC-1", "NOPE-1", 422, "before"),
    Refusal("a move on the board before a card of another service",
            web_post("/items/CLM-1/move",
                     lambda p, v: {"to_stage": p.clm.stage("Ready"), "before": v}),
            lambda p: "INT-1", lambda p: "SEC-1", "NOPE-1", 422, "before"),
    Refusal("assigning someone who is not a member of the item's service",
            api_post(f"{API}/items/CLM-1/assignees", lambda p, v: {"person": v}),
            lambda p: "mallory", lambda p: "olivia", "nobody-at-all", 422, "person"),
    Refusal("assigning from the panel someone who is not a member",
            web_post("/items/CLM-1/assign", lambda p, v: {"person": v}),
            lambda p: "mallory", lambda p: "olivia", "nobody-at-all", 422, "person"),
    Refusal("creating an item assigned to someone who is not a member",
            api_post(f"{API}/services/CLM/items",
                     lambda p, v: {"title": "Refund", "assignees": [v]}),
            lambda p: "mallory", lambda p: "olivia", "nobody-at-all", 422, "assignees"),
    Refusal("the new-request form assigning someone who is not a member",
            web_post("/services/CLM/items", lambda p, v: {"title": "Refund", "assignee": v}),
            lambda p: "mallory", lambda p: "olivia", "nobody-at-all", 422, "assignees"),
    Refusal("creating an item in a stage of another service",
            api_post(f"{API}/services/CLM/items",
                     lambda p, v: {"title": "Refund", "stage_id": v}),
            stage_of("int", "Options"), stage_of("sec", "Options"), MISSING_STAGE,
            422, "stage_id"),
    Refusal("the new-request form starting in a stage of another service",
            web_post("/services/CLM/items", lambda p, v: {"title": "Refund", "stage_id": v}),
            stage_of("int", "Options"), stage_of("sec", "Options"), MISSING_STAGE,
            422, "stage_id"),
    Refusal("a stage group over a stage of another service",
            api_post(f"{API}/services/CLM/stage-groups",
                     lambda p, v: {"name": "Doing", "limit": 3,
                                   "stage_ids": [p.clm.stage("In progress"), v]}),
            stage_of("int", "Review"), stage_of("sec", "Review"), MISSING_STAGE,
            422, "stage_ids"),
    Refusal("a WIP limit on a stage of another service",
            api_put(lambda p, v: f"{API}/services/CLM/stages/{v}/limit", {"limit": 3}),
            stage_of("int", "Review"), stage_of("sec", "Review"), MISSING_STAGE,
            404, "stage"),
    Refusal("a policy on a stage of another service",
            api_put(lambda p, v: f"{API}/services/CLM/stages/{v}/policy",
                    {"policy": "Pull the oldest first."}),
            stage_of("int", "Review"), stage_of("sec", "Review"), MISSING_STAGE,
            404, "stage"),
]


ALERT = re.compile(r'role="alert"[^>]*>(.*?)</', re.S)
FIELD_ERROR = re.compile(r'<p class="field-error" id="err-([a-z_]+)">')


def field_and_message(response: Any) -> tuple[str | None, str]:
    """The field and message of a refusal: from the JSON body, or from the page (the field
    whose error is shown next to it, and the alert)."""
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        return body["field"], body["message"]
    fields = FIELD_ERROR.findall(response.text)
    alerts = ALERT.findall(response.text)
    assert alerts, response.text[:400]
    return (fields[0] if fields else None), " ".join(a.strip() for a in alerts)


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.what for r in REFUSALS])
def test_an_id_of_another_service_in_a_request_is_refused_and_changes_nothing(
        place: Place, engine: Engine, refusal: Refusal) -> None:
    place.browser  # noqa: B018 - signed in first: signing in is a change of its own
    before = snapshot(engine)
    answers = {}
    for kind, value in [("foreign", refusal.foreign(place)), ("hidden", refusal.hidden(place)),
                        ("missing", refusal.missing)]:
        response = refusal.send(place, value)
        assert response.status_code == refusal.status, (kind, response.text[:400])
        field, message = field_and_message(response)
        assert field == refusal.field, (kind, field, message)
        answers[kind] = message.replace(str(value), "<id>")
        assert snapshot(engine) == before, f"{refusal.what} ({kind}) changed something"
    # A service Dana cannot see is not told apart from nothing at all.
    assert answers["hidden"] == answers["missing"]


# --- importing history -----------------------------------------------------------------------

WORKFLOW = """
[columns]
item = "ticket"
timestamp = "at"
state = "status"

[workflow]
timezone = "UTC"
upstream = ["Options"]
committed = ["In progress"]
done = ["Done"]
discarded = ["Discarded"]
"""

HISTORY = """ticket,at,status
T1,2026-02-02T09:00:00+00:00,Options
T1,2026-02-03T09:00:00+00:00,In progress
T1,2026-02-05T17:00:00+00:00,Done
T2,2026-02-04T09:00:00+00:00,Options
"""


@pytest.fixture
def history_files(tmp_path: Path) -> tuple[Path, Path]:
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(HISTORY)
    workflow.write_text(WORKFLOW)
    return history, workflow


def test_an_import_into_a_service_the_importer_may_not_change_is_refused_and_changes_nothing(
        place: Place, uow: UnitOfWork, clock: FixedClock, engine: Engine,
        history_files: tuple[Path, Path]) -> None:
    source = analytics.from_history(*history_files)
    assert source.history is not None

    def run(username: str, key: str) -> FlowdeskError | None:
        try:
            import_history(uow, clock, actor_of(uow, clock, username), key=key, name=None,
                           history=source.history, workflow=source.flow.workflow)
        except FlowdeskError as exc:
            return exc
        return None

    give_roles(uow, clock, "CLM", "bruno", [Role.TEAM_MEMBER, Role.SERVICE_REQUEST_MANAGER])
    before = snapshot(engine)
    refused = run("bruno", "CLM")  # a member, without the Service Delivery Manager's role
    assert isinstance(refused, Forbidden)
    assert "Service Delivery Manager" in refused.message
    hidden = run("mallory", "CLM")  # not a member of CLM
    missing = run("mallory", "NOPE")
    assert isinstance(hidden, NotFound) and isinstance(missing, NotFound)
    assert (hidden.message.replace("CLM", "<key>"), hidden.field) == (
        missing.message.replace("NOPE", "<key>"), missing.field)
    assert snapshot(engine) == before
    # Dana, who holds the role, imports (so the refusals above were not for another reason).
    assert run("dana", "CLM") is None
    assert snapshot(engine) != before
