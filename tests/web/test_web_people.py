"""A service's people page, and boards for the roles that may not do everything: the page shows
only what the rules allow, and the server refuses a forced request all the same."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from web_env import NOW, client_as, web_post
from web_seed import Seeded

from cast import OPERATOR, enrol, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Role
from flowdesk.services import accounts, queries
from flowdesk.services.accounts import NewUser
from flowdesk.services.board_views import card_update
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.live_render import as_seen, card_payload

PEOPLE = "/services/CLM/people"


def member_events(uow: UnitOfWork) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.kind, e.actor, e.payload) for e in queries.service_feed(uow, OPERATOR, "CLM", 0,
                                                                      1_000)
            if e.kind.startswith("member_")]


def test_a_team_member_sees_the_people_page_read_only(web: TestClient, uow: UnitOfWork) -> None:
    ana = client_as(web, token_of(uow, "ana"))
    html = ana.get(PEOPLE).text
    assert "Ana Lima" in html and "Chen Wei" in html and "Team member" in html
    assert "Service Delivery Manager" in html  # Olivia's roles, by their labels
    assert "<form" not in html.split("</header>", 1)[1]  # nothing to change
    refused = web_post(ana, PEOPLE, {"username": "zoe", "roles": "team_member", "adding": "1"})
    assert refused.status_code == 403
    assert re.search(r'role="alert">to add and remove members .* you need the Service Delivery '
                     r'Manager role', refused.text)
    assert all(kind != "member_added" or p["username"] != "zoe"
               for kind, _, p in member_events(uow))


def test_the_service_delivery_manager_adds_changes_and_removes_a_member(
        web: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    enrol(uow, clock, "CLM", ["zoe"], [Role.SERVICE_DELIVERY_MANAGER])
    zoe = client_as(web, token_of(uow, "zoe"))
    mehdi = client_as(web, token_of(uow, "mehdi"))
    assert mehdi.get("/services/CLM/board").status_code == 404
    page = zoe.get(PEOPLE).text
    assert '<option value="mehdi">Mehdi, a team member (mehdi)</option>' in page
    assert '<option value="ana">' not in page  # a member already
    last_day = (clock.now() + timedelta(days=10)).date().isoformat()
    added = web_post(zoe, PEOPLE, {"username": "mehdi", "roles": ["viewer", "team_member"],
                                   "ends_at": last_day, "adding": "1"})
    assert added.status_code == 303 and added.headers["location"] == PEOPLE
    assert member_events(uow)[-1] == ("member_added", "zoe", {
        "username": "mehdi", "roles": ["team_member", "viewer"], "old_roles": None,
        "ends_at": "2026-03-13T00:00:00+00:00"})  # after the last day, in the team's zone
    assert mehdi.get("/services/CLM/board").status_code == 200
    row = re.search(r'<tr id="member-mehdi">.*?</tr>', zoe.get(PEOPLE).text, re.S)
    assert row and "Team member" in row.group(0) and "Viewer" in row.group(0)
    assert "12 Mar 2026" in row.group(0)
    changed = web_post(zoe, PEOPLE, {"username": "mehdi", "roles": "viewer"})
    assert changed.status_code == 303
    assert member_events(uow)[-1][:2] == ("member_changed", "zoe")
    assert 'data-read-only' in mehdi.get("/services/CLM/board").text  # a viewer now
    removed = web_post(zoe, f"{PEOPLE}/mehdi/remove")
    assert removed.status_code == 303
    assert member_events(uow)[-1] == ("member_removed", "zoe", {"username": "mehdi",
                                                                 "roles": ["viewer"]})
    assert mehdi.get("/services/CLM/board").status_code == 404


def test_mistakes_in_the_add_form_are_shown_next_to_the_fields_and_what_was_typed_is_kept(
        web: TestClient, uow: UnitOfWork) -> None:
    no_roles = web_post(web, PEOPLE, {"username": "zoe", "adding": "1"})
    assert no_roles.status_code == 422
    assert 'role="alert" id="err-roles">give at least one role' in no_roles.text
    assert '<option value="zoe" selected>' in no_roles.text
    past = web_post(web, PEOPLE, {"username": "zoe", "roles": "viewer", "adding": "1",
                                  "ends_at": "2026-01-01"})
    assert past.status_code == 422
    assert 'id="err-ends_at">ends_at must be in the future' in past.text
    assert 'value="2026-01-01"' in past.text
    bad_day = web_post(web, PEOPLE, {"username": "zoe", "roles": "viewer", "adding": "1",
                                     "ends_at": "soon"})
    assert bad_day.status_code == 422 and "the last day must be a date" in bad_day.text
    unknown = web_post(web, f"{PEOPLE}/nobody/remove")
    assert unknown.status_code == 404 and 'role="alert"' in unknown.text


def test_an_admin_who_is_not_a_member_manages_people_but_sees_no_board(
        web: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    accounts.create_user(uow, clock, OPERATOR, NewUser("root", "Root Admin", is_admin=True))
    root = client_as(web, token_of(uow, "root"))
    services = root.get("/").text
    assert "Signed in as <strong>Root Admin</strong>" in services
    assert f'href="{PEOPLE}"' in services and 'href="/services/CLM/board"' not in services
    assert "You are not a member" in services
    page = root.get(PEOPLE)
    assert page.status_code == 200 and "Add a member" in page.text
    assert root.get("/services/CLM/board").status_code == 404
    assert web_post(root, PEOPLE, {"username": "root", "roles": "viewer",
                                   "adding": "1"}).status_code == 303
    assert root.get("/services/CLM/board").status_code == 200


def test_someone_who_is_not_a_member_is_told_there_is_no_such_service(
        web: TestClient, uow: UnitOfWork) -> None:
    mallory = client_as(web, token_of(uow, "mallory"))
    assert mallory.get(PEOPLE).status_code == 404
    assert web_post(mallory, PEOPLE, {"username": "mallory", "roles": "team_member"}
                    ).status_code == 404
    assert web_post(mallory, f"{PEOPLE}/ana/remove").status_code == 404


def test_the_board_links_to_its_people_page(web: TestClient) -> None:
    assert f'href="{PEOPLE}"' in web.get("/services/CLM/board").text
    assert f'href="{PEOPLE}"' in web.get("/").text


# ---- roles that may not do everything -------------------------------------------------------

def test_a_viewers_board_has_no_drag_handles_no_new_request_and_no_forms(
        web: TestClient, uow: UnitOfWork, clock: FixedClock, seeded: Seeded) -> None:
    enrol(uow, clock, "CLM", ["zoe"], [Role.VIEWER])
    zoe = client_as(web, token_of(uow, "zoe"))
    board = zoe.get("/services/CLM/board").text
    assert re.search(r'<section id="board"[^>]* data-read-only>', board)
    assert "data-move" not in board and "Move to…" not in board
    assert "New request" not in board and "/services/CLM/new" not in board
    assert 'class="card ' in board  # the cards are there to read
    panel = zoe.get(f"/services/CLM/items/{seeded.keys['assess_blocked']}",
                    headers={"HX-Request": "true"}).text
    assert "<form" not in panel and "hx-post" not in panel
    assert "Baggage delay, Reykjavik" in panel and "History" in panel
    assert zoe.get("/services/CLM/new").status_code == 403
    own = web.get("/services/CLM/board").text  # Olivia is a team member: everything is there
    assert "data-read-only" not in own and "data-move" in own and "New request" in own


def test_forced_requests_by_a_viewer_are_refused_and_change_nothing(
        web: TestClient, uow: UnitOfWork, clock: FixedClock, seeded: Seeded) -> None:
    enrol(uow, clock, "CLM", ["zoe"], [Role.VIEWER])
    zoe = client_as(web, token_of(uow, "zoe"))
    key = seeded.keys["ready_a"]
    before = queries.get_item(uow, OPERATOR, key)[0]
    moved = web_post(zoe, f"/items/{key}/move", {"to_stage": seeded.stages["Assess"]})
    assert moved.status_code == 403
    assert moved.json()["error"] == "forbidden"
    assert "you need the Team member role" in moved.json()["message"]
    for action, data in [("block", {"reason": "r", "category": "vendor"}),
                         ("assign", {"person": "ana"}), ("edit", {"title": "Mine now"}),
                         ("discard", {"reason": "no"})]:
        response = web_post(zoe, f"/items/{key}/{action}", data, htmx=True)
        assert response.status_code == 403, action
        assert 'role="alert"' in response.text, action
    created = web_post(zoe, "/services/CLM/items", {"title": "Sneaky"}, htmx=True)
    assert created.status_code == 403
    assert queries.get_item(uow, OPERATOR, key)[0] == before


def test_a_flow_manager_may_block_but_not_move_edit_or_assign(
        web: TestClient, uow: UnitOfWork, clock: FixedClock, seeded: Seeded) -> None:
    enrol(uow, clock, "CLM", ["bruno"], [Role.FLOW_MANAGER])
    bruno = client_as(web, token_of(uow, "bruno"))
    assert "data-read-only" in bruno.get("/services/CLM/board").text
    panel = bruno.get(f"/services/CLM/items/{seeded.keys['ready_b']}",
                      headers={"HX-Request": "true"}).text
    assert "/block" in panel
    for action in ("/edit", "/assign", "/unassign", "/deliver", "/discard"):
        assert action not in panel, action
    blocked = bruno.get(f"/services/CLM/items/{seeded.keys['assess_blocked']}",
                        headers={"HX-Request": "true"}).text
    assert "/unblock" in blocked  # a Flow Manager ends anyone's blocker


def test_a_service_request_manager_orders_options_and_creates_but_does_not_deliver(
        web: TestClient, uow: UnitOfWork, clock: FixedClock, seeded: Seeded) -> None:
    enrol(uow, clock, "CLM", ["amira"], [Role.SERVICE_REQUEST_MANAGER])
    amira = client_as(web, token_of(uow, "amira"))
    board = amira.get("/services/CLM/board").text
    assert "data-read-only" not in board and "New request" in board
    panel = amira.get(f"/services/CLM/items/{seeded.keys['settle_a']}",
                      headers={"HX-Request": "true"}).text
    assert "/edit" in panel and "/deliver" not in panel and "/discard" not in panel


def test_a_live_card_reaches_someone_who_may_not_move_it_without_its_move_button(
        uow: UnitOfWork, seeded: Seeded) -> None:
    item = queries.get_item(uow, OPERATOR, seeded.keys["settle_a"])[0]
    payload = card_payload(card_update(uow, item.id), FixedClock(NOW))
    mover, reader = as_seen(payload, movable=True), as_seen(payload, movable=False)
    assert "data-move" in mover["html"] and "data-move" not in reader["html"]
    assert '<abbr class="person" title="Chen Wei">CW</abbr>' in reader["html"]
    assert "read_only_html" not in mover and "read_only_html" not in reader
