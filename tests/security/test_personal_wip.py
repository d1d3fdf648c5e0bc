"""A person's own WIP limit counts their committed work in every service they belong to: an
assignment, or a pull of work assigned to them, that would exceed it is refused (409, saying
where their work is) unless overridden with a reason, and it holds when many do it at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from security_world import Svc, give_roles, make_service
from sqlalchemy import Engine, func, select
from storage_helpers import run_together, snapshot

from cast import OPERATOR, actor_of, ensure_users, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Role
from flowdesk.services import accounts
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, CreateItem, MoveItem
from flowdesk.storage import accounts as store
from flowdesk.storage.tables import item_assignees, items, stages
from flowdesk.storage.unit_of_work import UnitOfWork

API = "/api/v1"
PERSON = "amira"  # her own limit: LIMIT committed items, across services
LEAD = "dana"  # assigns and pulls work, in both services
LIMIT = 3


@pytest.fixture
def services(uow: UnitOfWork, clock: FixedClock) -> tuple[Svc, Svc]:
    """CLM and INT, without stage limits; Amira (limit 3) and Dana work in both."""
    clm = make_service(uow, clock, "CLM", "Priority claims")
    int_ = make_service(uow, clock, "INT", "International settlements")
    ensure_users(uow, [PERSON, LEAD])
    for svc in (clm, int_):
        for name in (PERSON, LEAD):
            give_roles(uow, clock, svc.key, name, [Role.TEAM_MEMBER])
    accounts.update_user(uow, clock, OPERATOR, PERSON, wip_limit=LIMIT)
    return clm, int_


def new_item(uow: UnitOfWork, clock: FixedClock, svc: Svc, stage: str,
             assignee: str | None = None) -> str:
    item = uc.create_item(uow, clock, OPERATOR, CreateItem(
        svc.key, "a claim", assignees=(assignee,) if assignee else ()))
    if stage != "Options":
        uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, svc.stage(stage),
                                                    override_reason="setting the scene"))
    return item.key


def load(engine: Engine, username: str = PERSON) -> dict[str, int]:
    """Their committed items, by service key, read straight from the tables."""
    with engine.connect() as conn:
        user = store.find_user(conn, username)
        assert user is not None
        return store.committed_work(conn, user.id)


def committed_assignments(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(item_assignees.join(
                items, items.c.id == item_assignees.c.item_id).join(
                stages, stages.c.id == items.c.stage_id))
            .where(item_assignees.c.person == PERSON, stages.c.phase == "committed")
        ).scalar_one())


@pytest.fixture
def lead(app: FastAPI, uow: UnitOfWork, services: tuple[Svc, Svc]) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token_of(uow, LEAD)}"})


def test_assigning_committed_work_past_a_personal_limit_is_refused_naming_where_it_is(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, services: tuple[Svc, Svc],
        lead: TestClient) -> None:
    clm, int_ = services
    for svc in (clm, clm, int_):
        new_item(uow, clock, svc, "In progress", PERSON)
    target = new_item(uow, clock, int_, "In progress")
    assert load(engine) == {"CLM": 2, "INT": 1}
    before = snapshot(engine)
    refused = lead.post(f"{API}/items/{target}/assignees", json={"person": PERSON})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "wip_limit"
    [violation] = body["violations"]
    assert (violation["scope"], violation["name"], violation["limit"], violation["count"]) == (
        "person", PERSON, LIMIT, 3)
    assert "2 in CLM, 1 in INT" in violation["covers"]
    assert "2 in CLM, 1 in INT" in body["message"]
    assert snapshot(engine) == before
    # Upstream work does not count, and is not refused.
    upstream = new_item(uow, clock, int_, "Ready")
    assert lead.post(f"{API}/items/{upstream}/assignees",
                     json={"person": PERSON}).status_code == 200
    # Knowingly, with a reason: it passes, and the override is on record.
    reason = "Amira is the only one who knows the Lagos bank"
    passed = lead.post(f"{API}/items/{target}/assignees",
                       json={"person": PERSON, "override_reason": reason})
    assert passed.status_code == 200, passed.text
    assert load(engine) == {"CLM": 2, "INT": 2}
    [override] = [e for e in lead.get(f"{API}/items/{target}/events").json()
                  if e["kind"] == "wip_override"]
    assert override["reason"] == reason and override["actor"] == LEAD
    assert "2 in CLM, 1 in INT" in override["payload"]["violations"][0]["covers"]


def test_pulling_work_assigned_to_someone_at_their_limit_is_refused_too(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, services: tuple[Svc, Svc],
        lead: TestClient) -> None:
    clm, int_ = services
    for svc in (clm, int_, int_):
        new_item(uow, clock, svc, "In progress", PERSON)
    ready = new_item(uow, clock, clm, "Ready", PERSON)  # assigned upstream: not counted yet
    before = snapshot(engine)
    pull = {"to_stage": clm.stage("In progress")}
    refused = lead.post(f"{API}/items/{ready}/move", json=pull)
    assert refused.status_code == 409, refused.text
    assert "1 in CLM, 2 in INT" in refused.json()["violations"][0]["covers"]
    assert snapshot(engine) == before
    passed = lead.post(f"{API}/items/{ready}/move",
                       json={**pull, "override_reason": "an expedite from the regulator"})
    assert passed.status_code == 200, passed.text
    assert load(engine) == {"CLM": 2, "INT": 2}
    kinds = [e["kind"] for e in lead.get(f"{API}/items/{ready}/events").json()]
    assert kinds[-2:] == ["wip_override", "moved"]
    # Below the limit again (one delivered), the next pull needs no reason.
    done = lead.post(f"{API}/items/{ready}/move", json={"to_stage": clm.stage("Done")})
    assert done.status_code == 200, done.text
    other = new_item(uow, clock, clm, "Ready", PERSON)
    assert load(engine) == {"CLM": 1, "INT": 2}
    assert lead.post(f"{API}/items/{other}/move", json=pull).status_code == 409
    new_item(uow, clock, int_, "Done", PERSON)  # delivered work does not count either
    assert load(engine) == {"CLM": 1, "INT": 2}


# --- at once ---------------------------------------------------------------------------------

PER_SERVICE = 8  # threads per service and round: 16 at once, half in each service
ROUNDS = 12


@pytest.mark.slow
@pytest.mark.parametrize("how", ["assign", "pull", "assign and pull"])
def test_many_assignments_and_pulls_at_once_in_two_services_never_pass_the_limit(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, services: tuple[Svc, Svc],
        how: str) -> None:
    """Each round, 16 threads released together each try to give Amira one more committed
    item, half in CLM and half in INT: by assigning her to committed work, by pulling work
    assigned to her across the commitment point, or both. Exactly LIMIT succeed."""
    clm, int_ = services
    lead = actor_of(uow, clock, LEAD)
    for round_no in range(ROUNDS):
        clock.advance(timedelta(minutes=1))
        work: list[Callable[[], WorkItem]] = []
        for n in range(2 * PER_SERVICE):
            svc = (clm, int_)[n % 2]
            pulling = how == "pull" or (how == "assign and pull" and n % 4 >= 2)
            if pulling:
                key = new_item(uow, clock, svc, "Ready", PERSON)
                work.append(lambda key=key, svc=svc: uc.move_item(
                    uow, clock, lead, MoveItem(key, svc.stage("In progress"))))
            else:
                key = new_item(uow, clock, svc, "In progress")
                work.append(lambda key=key: uc.assign_item(
                    uow, clock, lead, AssignItem(key, PERSON)))
        outcomes = run_together(len(work), lambda i, work=work: work[i]())
        landed = [o for o in outcomes if isinstance(o, WorkItem)]
        refused = [o for o in outcomes if isinstance(o, WipLimitExceeded)]
        others = [o for o in outcomes if not isinstance(o, WorkItem | WipLimitExceeded)]
        assert others == [], f"round {round_no}: {others[:3]}"
        assert committed_assignments(engine) == sum(load(engine).values())
        assert sum(load(engine).values()) == LIMIT, f"round {round_no}: {load(engine)}"
        assert len(landed) == LIMIT and len(refused) == len(work) - LIMIT, f"round {round_no}"
        assert all(r.violations[0].count == LIMIT for r in refused)
        for item in landed:  # delivered: her committed work is back to none
            uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, (clm, int_)[
                item.key.startswith("INT")].stage("Done")))
        assert load(engine) == {}
