"""Pages about people's accounts: the admin's users page, your work across services, your API
tokens; and display names on the board at a constant cost."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_env import client_as, signed_in, web_post
from web_seed import DANA, WORKFLOW, Seeded

from cast import OPERATOR, enrol, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.services import admin, queries
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, CreateService, MoveItem
from flowdesk.storage.db import statements_run
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.hints import REFRESH

USERS = "/admin/users"
PASSWORD = "correct horse battery"


def row_of(html: str, username: str) -> str:
    found = re.search(rf'<tr id="user-{username}"[^>]*>.*?</tr>', html, re.S)
    assert found, username
    return found.group(0)


# ---- the admin's users page ------------------------------------------------------------------

def test_an_admin_creates_an_account_and_a_mistake_keeps_what_was_typed_but_not_the_password(
        web: TestClient) -> None:
    typed = {"username": "Not A Name!", "display_name": "Nina Novak", "email": "nina@example.org",
             "password": "a secret passphrase", "wip_limit": "2", "is_admin": "1"}
    wrong = web_post(web, USERS, typed)
    assert wrong.status_code == 422
    assert re.search(r'<p class="field-error" role="alert" id="err-username">a username is',
                     wrong.text)
    assert 'value="Not A Name!"' in wrong.text and 'value="nina@example.org"' in wrong.text
    assert "a secret passphrase" not in wrong.text
    short = web_post(web, USERS, {**typed, "username": "nina", "password": "short"})
    assert short.status_code == 422 and 'id="err-password">a password needs' in short.text
    made = web_post(web, USERS, {**typed, "username": "nina"})
    assert made.status_code == 303
    page = web.get(made.headers["location"]).text
    assert "Account created: nina." in page
    row = row_of(page, "nina")
    for shown in ("Nina Novak", "nina@example.org", "Admin", "Active", "<td>2</td>",
                  "<td>Yes</td>"):
        assert shown in row, shown
    taken = web_post(web, USERS, {**typed, "username": "nina"})
    assert taken.status_code == 409 and "the username nina is taken" in taken.text


def test_deactivating_an_account_ends_its_sessions_and_reactivating_lets_it_back_in(
        web: TestClient) -> None:
    assert web_post(web, f"{USERS}/amira/password", {"password": PASSWORD}).status_code == 303
    amira = signed_in(web, "amira", PASSWORD)
    assert amira.get("/").status_code == 200
    off = web_post(web, f"{USERS}/amira/active", {"active": "0"})
    assert off.status_code == 303
    assert "Deactivated" in row_of(web.get(USERS).text, "amira")
    gone = amira.get("/", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login"
    again = TestClient(web.app)
    again.get("/login")
    refused = web_post(again, "/login", {"username": "amira", "password": PASSWORD})
    assert refused.status_code == 401
    assert web_post(web, f"{USERS}/amira/active", {"active": "1"}).status_code == 303
    assert signed_in(web, "amira", PASSWORD).get("/").status_code == 200


def test_resetting_a_password_ends_the_old_sessions(web: TestClient) -> None:
    web_post(web, f"{USERS}/bruno/password", {"password": PASSWORD})
    bruno = signed_in(web, "bruno", PASSWORD)
    reset = web_post(web, f"{USERS}/bruno/password", {"password": "another long secret"})
    assert reset.status_code == 303 and "another long secret" not in web.get(USERS).text
    assert bruno.get("/", follow_redirects=False).status_code == 303
    assert signed_in(web, "bruno", "another long secret").get("/").status_code == 200
    short = web_post(web, f"{USERS}/bruno/password", {"password": "tiny"})
    assert short.status_code == 422
    assert 'role="alert" id="err-password">a password needs' in row_of(short.text, "bruno")


def test_a_personal_wip_limit_is_set_cleared_and_checked(web: TestClient) -> None:
    assert web_post(web, f"{USERS}/ben/limit", {"wip_limit": "3"}).status_code == 303
    assert "<td>3</td>" in row_of(web.get(USERS).text, "ben")
    assert web_post(web, f"{USERS}/ben/limit", {"wip_limit": ""}).status_code == 303
    assert "<td>None</td>" in row_of(web.get(USERS).text, "ben")
    for bad in ("0", "three"):
        wrong = web_post(web, f"{USERS}/ben/limit", {"wip_limit": bad})
        assert wrong.status_code == 422, bad
        assert 'role="alert" id="err-wip_limit">' in row_of(wrong.text, "ben")


def test_an_admin_cannot_deactivate_themselves(web: TestClient) -> None:
    response = web_post(web, f"{USERS}/olivia/active", {"active": "0"})
    assert response.status_code == 422
    assert "you cannot deactivate yourself" in row_of(response.text, "olivia")


def test_someone_who_is_not_an_admin_is_refused_the_users_page(web: TestClient,
                                                                uow: UnitOfWork) -> None:
    ana = client_as(web, token_of(uow, "ana"))
    page = ana.get(USERS)
    assert page.status_code == 403 and "only an organisation admin" in page.text
    assert 'href="/admin/users"' not in ana.get("/").text
    assert 'href="/admin/users"' in web.get("/").text
    for path, data in [(USERS, {"username": "sneaky", "password": PASSWORD}),
                       (f"{USERS}/ben/active", {"active": "0"}),
                       (f"{USERS}/ben/password", {"password": PASSWORD}),
                       (f"{USERS}/ben/limit", {"wip_limit": "1"})]:
        assert web_post(ana, path, data).status_code == 403, path
    assert "sneaky" not in web.get(USERS).text


# ---- my work ---------------------------------------------------------------------------------

def test_my_work_lists_what_is_assigned_to_me_in_every_service(
        web: TestClient, uow: UnitOfWork, seeded: Seeded, clock: FixedClock) -> None:
    admin.create_service(uow, clock, DANA, CreateService(key="ONB", name="Onboarding",
                                                         stages=WORKFLOW))
    enrol(uow, clock, "ONB", ["ana"])
    item = uc.create_item(uow, clock, DANA, CreateItem(
        service_key="ONB", title="Welcome pack for Lisbon", assignees=("ana",),
        due_date=(clock.now() + timedelta(days=3)).date()))
    assess = next(s for s in queries.get_service(uow, OPERATOR, "ONB").stages
                  if s.name == "Assess")
    uc.move_item(uow, clock, DANA, MoveItem(item.key, assess.id))
    uc.block_item(uow, clock, DANA, BlockItem(seeded.keys["settle_c"], "waiting", "customer"))
    ana = client_as(web, token_of(uow, "ana"))
    html = ana.get("/my-work").text
    rows = re.findall(r"<tr>.*?</tr>", html.split("<tbody>")[1], re.S)
    keys = [re.search(r'class="card-key"[^>]*>([A-Z]+-\d+)<', r).group(1)  # type: ignore[union-attr]
            for r in rows]
    assert set(keys) == {seeded.keys["settle_c"], seeded.keys["assess"], item.key}
    onboarding = rows[keys.index(item.key)]
    # Committed today: day 1 of its age (docs/metrics.md, "Age").
    assert "Onboarding" in onboarding and "Assess" in onboarding and "1 day" in onboarding
    assert 'href="/services/ONB/items/' in onboarding and "Due 5 Mar" in onboarding
    blocked = rows[keys.index(seeded.keys["settle_c"])]
    assert "Priority claims" in blocked and "Blocked</span> customer" in blocked
    assert 'href="/my-work"' in html  # the top bar links to it


# ---- API tokens ------------------------------------------------------------------------------

def test_a_new_token_is_shown_once_works_and_stops_when_revoked(web: TestClient) -> None:
    made = web_post(web, "/account/tokens", {"name": "Reporting script", "scope": "read",
                                             "expires_days": "30"})
    assert made.status_code == 200
    token = re.search(r'id="new-token" class="token-value" readonly value="(fd_[^"]+)"',
                      made.text)
    assert token
    listed = web.get("/account/tokens").text
    assert token.group(1) not in listed  # shown once only
    row = next(r for r in re.finditer(r'<tr id="token-(\d+)">(.*?)</tr>', listed, re.S)
               if "Reporting script" in r.group(2))
    assert "<td>read</td>" in row.group(2) and "Live" in row.group(2)
    api = TestClient(web.app)
    api.headers["Authorization"] = f"Bearer {token.group(1)}"
    assert api.get("/api/v1/me").json()["username"] == "olivia"
    revoked = web_post(web, f"/account/tokens/{row.group(1)}/revoke")
    assert revoked.status_code == 303
    assert "Token revoked" in web.get(revoked.headers["location"]).text
    assert api.get("/api/v1/me").status_code == 401
    again = web_post(web, f"/account/tokens/{row.group(1)}/revoke")
    assert again.status_code == 404 and 'role="alert"' in again.text


@pytest.mark.parametrize(("fields", "error"), [
    ({"scope": "admin"}, 'id="err-scope">the scope is read or write'),
    ({"expires_days": "0"}, 'id="err-expires_days">expires_days must be between'),
    ({"expires_days": "soon"}, 'id="err-expires_days">the days it lasts must be a whole'),
    ({"name": "x" * 81}, 'id="err-name">'),
])
def test_a_token_form_with_a_mistake_says_where_and_keeps_the_rest(
        web: TestClient, fields: dict[str, str], error: str) -> None:
    response = web_post(web, "/account/tokens", {"name": "CI", "scope": "write",
                                                 "expires_days": "7", **fields})
    assert response.status_code == 422
    assert error in response.text
    assert "fd_" not in response.text


def test_the_password_page_links_to_the_tokens_page(web: TestClient) -> None:
    assert 'href="/account/tokens"' in web.get("/account/password").text


# ---- display names at a constant cost ----------------------------------------------------------

def test_the_board_shows_display_names_with_the_same_queries_however_many_people(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, engine: Engine,
        clock: FixedClock) -> None:
    # A new hour: the demand alerts the services page computed are read again, as they are
    # below (after changes, once REFRESH has passed), so both renders do the same work.
    web.app.state.clock.advance(timedelta(hours=1))
    with statements_run(engine) as before:
        assert web.get("/services/CLM/board").status_code == 200
    later = FixedClock(clock.now())
    for role in ("ready_b", "ready_due", "option_0", "option_1", "settle_a"):
        for person in ("ana", "ben", "dana"):
            if person not in queries.get_item(uow, OPERATOR, seeded.keys[role])[0].assignees:
                uc.assign_item(uow, later, DANA, AssignItem(seeded.keys[role], person))
    web.app.state.clock.advance(REFRESH + timedelta(seconds=1))  # the hints are read again
    with statements_run(engine) as after:
        html = web.get("/services/CLM/board").text
    assert len(after) == len(before)
    assert html.count('title="Dana Fischer"') >= 5

