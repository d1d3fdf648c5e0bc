"""Limits, policies and a service's life through the web forms, server-side: the board reads
no more for its limits, refusals change nothing and say why, an archived service is read-only
in the web too, and only an admin creates or deletes."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_env import client_as, web_post
from web_seed import Seeded

from cast import OPERATOR, enrol, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Role
from flowdesk.services import admin, queries
from flowdesk.storage.db import statements_run
from flowdesk.storage.tables import item_events
from flowdesk.storage.unit_of_work import UnitOfWork


def events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(item_events)).scalar_one())


def test_the_board_reads_as_much_with_its_limits_shown_as_without(
        web: TestClient, seeded: Seeded, engine: Engine, uow: UnitOfWork,
        clock: FixedClock) -> None:
    web.app.state.clock.advance(timedelta(hours=1))
    with statements_run(engine) as before:
        assert web.get("/services/CLM/board").status_code == 200
    for response in (
        web_post(web, "/services/CLM/person-limit", {"limit": "3"}),
        web_post(web, "/services/CLM/classes/fixed_date/limit", {"limit": "2"}),
        web.post("/services/CLM/stage-groups", data={
            "csrf_token": web.cookies.get("flowdesk_csrf", ""), "name": "Doing",
            "limit": "6", "stage_ids": [str(seeded.stages["Assess"]),
                                        str(seeded.stages["Settle"])]},
            follow_redirects=False),
    ):
        assert response.status_code == 303, response.text
    web.app.state.clock.advance(timedelta(hours=1))
    with statements_run(engine) as after:
        html = web.get("/services/CLM/board").text
    assert len(after) == len(before)
    assert "≤ 3 each" in html and "≤ 2" in html and "Doing" in html


def test_a_limit_below_one_is_refused_on_the_board_and_changes_nothing(
        web: TestClient, seeded: Seeded, engine: Engine) -> None:
    count = events(engine)
    for url in (f"/services/CLM/stages/{seeded.stages['Assess']}/limit",
                "/services/CLM/person-limit", "/services/CLM/classes/expedite/limit"):
        response = web_post(web, url, {"limit": "0"})
        assert response.status_code == 422, response.text
        assert 'id="limit-error"' in response.text and "at least 1" in response.text
        response = web_post(web, url, {"limit": "three"})
        assert response.status_code == 422 and "whole number" in response.text
    assert events(engine) == count
    assert queries.get_service(web.app.state.uow, OPERATOR, "CLM").person_wip_limit is None


def test_a_limit_change_comes_back_to_the_board_as_it_was_filtered(
        web: TestClient, seeded: Seeded) -> None:
    response = web_post(web, f"/services/CLM/stages/{seeded.stages['Check']}/limit",
                        {"limit": "", "back": "?lanes=none&blocked=1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/services/CLM/board?lanes=none&blocked=1"
    service = queries.get_service(web.app.state.uow, OPERATOR, "CLM")
    assert service.stage(seeded.stages["Check"]).wip_limit is None


def test_a_team_member_sees_the_limits_and_no_form_to_change_them(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, clock: FixedClock) -> None:
    enrol(uow, clock, "CLM", ["mehdi"], [Role.TEAM_MEMBER])
    member = client_as(web, token_of(uow, "mehdi"))
    html = member.get("/services/CLM/board").text
    assert 'id="class-limit-expedite"' in html and 'id="person-limit"' in html
    assert "limit-form" not in html and "policy-form" not in html
    refused = web_post(member, "/services/CLM/person-limit", {"limit": "3"})
    assert refused.status_code == 403


def test_the_policy_preview_renders_markdown_sanitised(web: TestClient, seeded: Seeded) -> None:
    response = web_post(web, "/markdown/preview",
                        {"policy": "**Oldest** first <img src=x onerror=alert(1)>"}, htmx=True)
    assert response.status_code == 200
    assert "<strong>Oldest</strong>" in response.text
    assert "<img" not in response.text


def test_an_archived_service_refuses_the_boards_forms(web: TestClient, seeded: Seeded,
                                                      engine: Engine) -> None:
    assert web_post(web, "/services/CLM/archive").status_code == 303
    count = events(engine)
    refused = web_post(web, "/services/CLM/person-limit", {"limit": "3"})
    assert refused.status_code == 409
    assert "archived" in refused.text
    moved = web_post(web, f"/items/{seeded.keys['ready_a']}/move",
                     {"to_stage": str(seeded.stages["Assess"])})
    assert moved.status_code == 409
    assert events(engine) == count
    board = web.get("/services/CLM/board").text
    assert 'id="archived-banner"' in board and "limit-form" not in board
    assert web_post(web, "/services/CLM/restore").status_code == 303
    assert web_post(web, "/services/CLM/person-limit", {"limit": "3"}).status_code == 303


def test_only_an_admin_is_offered_a_new_service_or_a_delete(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, clock: FixedClock) -> None:
    home = web.get("/").text
    assert 'id="new-service"' in home and 'id="delete-CLM"' in home
    enrol(uow, clock, "CLM", ["mehdi"], [Role.SERVICE_DELIVERY_MANAGER])
    manager = client_as(web, token_of(uow, "mehdi"))
    theirs = manager.get("/").text
    assert 'id="new-service"' not in theirs and 'id="delete-CLM"' not in theirs
    assert 'id="archive-CLM"' in theirs  # the Service Delivery Manager archives
    assert manager.get("/services/new").status_code == 403
    assert manager.get("/services/CLM/delete").status_code == 403


def test_deleting_in_the_web_offers_the_export_and_needs_the_key(
        web: TestClient, seeded: Seeded, engine: Engine) -> None:
    page = web.get("/services/CLM/delete")
    assert page.status_code == 200
    assert 'href="/api/v1/services/CLM/export?format=csv"' in page.text
    count = events(engine)
    wrong = web_post(web, "/services/CLM/delete", {"confirm": "CLN"})
    assert wrong.status_code == 422 and 'id="err-confirm"' in wrong.text
    assert events(engine) == count
    export = web.get("/api/v1/services/CLM/export?format=csv")
    assert len(export.text.splitlines()) == count + 1
    gone = web_post(web, "/services/CLM/delete", {"confirm": "CLM"})
    assert gone.status_code == 303 and gone.headers["location"] == "/?deleted=CLM"
    assert events(engine) == 0
    assert "Deleted CLM" in web.get("/?deleted=CLM").text


def test_the_demo_note_shows_only_for_demo_services(web: TestClient, seeded: Seeded,
                                                    uow: UnitOfWork, clock: FixedClock) -> None:
    assert 'id="demo-note"' not in web.get("/").text
    admin.create_service(uow, clock, OPERATOR, admin.CreateService(key="OWN", name="Ours"))
    assert web_post(web, "/demo/remove").status_code == 303  # no demo: nothing removed
    assert {s.service.key for s in queries.list_services(uow, OPERATOR, clock.now())} == \
        {"CLM", "OWN"}


def test_a_new_request_is_offered_the_services_item_types(web: TestClient,
                                                          seeded: Seeded) -> None:
    made = web.post("/api/v1/services", json={"key": "DESK", "name": "IT desk",
                                              "template": "it-service-desk"})
    assert made.status_code == 201, made.text
    html = web.get("/services/DESK/new").text
    assert 'value="incident"' in html and '<option value="problem">' in html
