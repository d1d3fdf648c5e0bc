"""Signing in, staying signed in, and being signed out: through the real app, the real sign-in
form (its CSRF token read from the page first) and the real cookies."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import httpx
import pytest
from bad_input_world import make_world
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_routes import ROUTES
from security_world import (
    PASSWORD,
    give_roles,
    login_form_token,
    make_service,
    post_login,
    set_password,
    signed_in_client,
    web_form,
)
from sqlalchemy import Engine, select
from storage_helpers import snapshot

from cast import ADMIN, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Role, Scope
from flowdesk.http import session_cookie
from flowdesk.services.accounts import SESSION_LIFETIME, THROTTLE_LIMIT, THROTTLE_WINDOW
from flowdesk.storage.tables import users
from flowdesk.storage.unit_of_work import UnitOfWork

API = "/api/v1"
PEOPLE = ["amira", "bruno", ADMIN]
SESSION = session_cookie.NAME


@pytest.fixture
def people(uow: UnitOfWork, clock: FixedClock) -> None:
    """CLM, with Amira and Bruno as its team members; Olivia an admin. All have passwords."""
    make_service(uow, clock, "CLM", "Priority claims")
    set_password(uow, PEOPLE)
    for name in ("amira", "bruno"):
        give_roles(uow, clock, "CLM", name, [Role.TEAM_MEMBER])


def browser_at(app: FastAPI, address: str) -> TestClient:
    """A browser calling from this client address."""
    return TestClient(app, client=(address, 50_000))


def me(client: TestClient, **headers: str) -> int:
    return client.get(f"{API}/me", headers=headers).status_code


def with_cookie(app: FastAPI, value: str) -> TestClient:
    """Another browser that sends this session cookie (a copy someone kept)."""
    other = TestClient(app)
    other.cookies.set(SESSION, value, domain="testserver.local", path="/")  # as the app sets it
    return other


# --- sessions --------------------------------------------------------------------------------

@pytest.mark.usefixtures("people")
def test_signing_in_starts_a_new_session_and_ends_the_one_the_browser_had(app: FastAPI) -> None:
    browser = TestClient(app)
    assert post_login(browser, "amira").status_code == 303
    first = browser.cookies[SESSION]
    assert post_login(browser, "amira").status_code == 303
    second = browser.cookies[SESSION]
    assert second != first
    assert me(browser) == 200
    assert me(with_cookie(app, first)) == 401


@pytest.mark.usefixtures("people")
def test_a_session_planted_in_a_browser_is_worthless_once_someone_signs_in_there(
        app: FastAPI) -> None:
    """Bruno plants his own session cookie in Amira's browser; she signs in there. She gets a
    session of her own, and the planted one ends: it never acts as Amira."""
    attacker = signed_in_client(app, "bruno")
    planted = attacker.cookies[SESSION]
    victim = with_cookie(app, planted)
    assert victim.get(f"{API}/me").json()["username"] == "bruno"
    assert post_login(victim, "amira").status_code == 303
    assert victim.cookies[SESSION] != planted
    assert victim.get(f"{API}/me").json()["username"] == "amira"
    assert me(attacker) == 401


@pytest.mark.usefixtures("people")
def test_signing_out_ends_the_session_at_once(app: FastAPI) -> None:
    browser = signed_in_client(app, "amira")
    kept = browser.cookies[SESSION]
    response = web_form(browser, "/logout")
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    copy = with_cookie(app, kept)
    assert me(copy) == 401
    page = copy.get("/services/CLM/board", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (
        303, "/login?next=/services/CLM/board")


@pytest.mark.usefixtures("people")
def test_a_session_ends_by_itself_after_its_lifetime(app: FastAPI, clock: FixedClock) -> None:
    browser = signed_in_client(app, "amira")
    clock.advance(SESSION_LIFETIME - timedelta(seconds=1))
    assert me(browser) == 200
    clock.advance(timedelta(seconds=1))
    assert me(browser) == 401


@pytest.mark.usefixtures("people")
def test_deactivating_a_user_ends_their_sessions_and_their_tokens_at_once_and_for_good(
        app: FastAPI, uow: UnitOfWork) -> None:
    browser = signed_in_client(app, "amira")
    token = {"Authorization": f"Bearer {token_of(uow, 'amira')}"}
    admin = {"Authorization": f"Bearer {token_of(uow, ADMIN)}"}
    api = TestClient(app)
    assert (me(browser), me(api, **token)) == (200, 200)
    response = api.patch(f"{API}/users/amira", json={"active": False}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert me(browser) == 401
    assert browser.get("/", follow_redirects=False).headers["location"] == "/login"
    assert me(api, **token) == 401
    assert api.get(f"{API}/services/CLM/board", headers=token).status_code == 401
    # Nor can they sign in again; the answer is the one for a wrong password.
    again = post_login(TestClient(app), "amira")
    assert again.status_code == 401
    assert "wrong username or password" in again.text
    # Active again, but what was handed out before the deactivation stays dead; the account
    # itself works: a new sign-in and a new token are let in.
    response = api.patch(f"{API}/users/amira", json={"active": True}, headers=admin)
    assert response.status_code == 200, response.text
    assert (me(browser), me(api, **token)) == (401, 401)
    assert post_login(TestClient(app), "amira").status_code == 303
    assert me(api, Authorization=f"Bearer {token_of(uow, 'amira')}") == 200


# --- tokens ----------------------------------------------------------------------------------

@pytest.mark.usefixtures("people")
def test_a_revoked_token_is_refused_from_the_next_request_on(app: FastAPI,
                                                            uow: UnitOfWork) -> None:
    api = TestClient(app)
    owner = {"Authorization": f"Bearer {token_of(uow, 'amira')}"}
    made = api.post(f"{API}/me/tokens", json={"name": "a script"}, headers=owner)
    assert made.status_code == 201, made.text
    script = {"Authorization": f"Bearer {made.json()['token']}"}
    assert me(api, **script) == 200
    assert api.delete(f"{API}/me/tokens/{made.json()['id']}", headers=owner).status_code == 204
    refused = api.get(f"{API}/me", headers=script)
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthenticated"
    assert me(api, **owner) == 200  # only that token


@pytest.mark.usefixtures("people")
def test_an_expired_token_is_refused(app: FastAPI, uow: UnitOfWork, clock: FixedClock) -> None:
    api = TestClient(app)
    owner = {"Authorization": f"Bearer {token_of(uow, 'amira')}"}
    made = api.post(f"{API}/me/tokens", json={"name": "for a day", "expires_days": 1},
                    headers=owner)
    assert made.status_code == 201, made.text
    script = {"Authorization": f"Bearer {made.json()['token']}"}
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert me(api, **script) == 200
    clock.advance(timedelta(seconds=1))
    assert me(api, **script) == 401


def test_a_read_only_token_reads_everything_and_writes_nothing(
        client: TestClient, engine: Engine, uow: UnitOfWork) -> None:
    """Every API route, from the OpenAPI document: with Olivia's read-only token (she holds
    every working role in both services, and is an admin), each GET answers 200 and every
    write 403, changing nothing."""
    world = make_world(client, engine)
    reader = {"Authorization": f"Bearer {token_of(uow, ADMIN, Scope.READ)}"}
    wrong = []
    for route in ROUTES:
        before = world.footprint()
        body = world.valid_body(route) if route.body is not None else None
        response = world.send(route, json=body, headers=reader)
        if route.method == "GET":
            if response.status_code != 200:
                wrong.append(f"{route.id}: {response.status_code} {response.text[:160]}")
            continue
        if response.status_code != 403 or response.json()["field"] != "Authorization":
            wrong.append(f"{route.id}: {response.status_code} {response.text[:160]}")
        if world.footprint() != before:
            wrong.append(f"{route.id}: changed something")
    assert not wrong, "\n".join(wrong)
    with engine.connect() as conn:
        names = set(conn.execute(select(users.c.display_name)).scalars())
    assert "Bruno Bianchi" not in names  # the valid UserPatch body was not applied


# --- the cookies -----------------------------------------------------------------------------

def set_cookie(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


@pytest.mark.usefixtures("people")
def test_the_session_cookie_is_http_only_and_same_site_lax(app: FastAPI) -> None:
    header = set_cookie(post_login(TestClient(app), "amira"), SESSION)
    flags = {part.strip().lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # plain HTTP here: a Secure cookie would never come back
    over_https = TestClient(app, base_url="https://testserver")
    flags = {part.strip().lower() for part in
             set_cookie(post_login(over_https, "amira"), SESSION).split(";")[1:]}
    assert {"httponly", "samesite=lax", "secure"} <= flags


@pytest.mark.usefixtures("people")
def test_an_api_write_signed_in_by_cookie_alone_must_repeat_the_csrf_token(
        app: FastAPI, uow: UnitOfWork) -> None:
    browser = signed_in_client(app, "amira")
    url = f"{API}/services/CLM/items"
    count = len(browser.get(f"{API}/services/CLM/board").json()["stages"][0]["items"])
    for headers in ({}, {"X-CSRF-Token": "A" * 24 + "." + "0" * 64},
                    {"X-CSRF-Token": "not a token"}):
        refused = browser.post(url, json={"title": "Refund"}, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["field"] == "X-CSRF-Token"
    stages = browser.get(f"{API}/services/CLM/board").json()["stages"]
    assert len(stages[0]["items"]) == count
    made = browser.post(url, json={"title": "Refund"},
                        headers={"X-CSRF-Token": browser.cookies["flowdesk_csrf"]})
    assert made.status_code == 201, made.text


# --- throttling ------------------------------------------------------------------------------

@pytest.mark.usefixtures("people")
def test_five_failures_for_one_username_from_any_addresses_hold_it_for_fifteen_minutes(
        app: FastAPI, clock: FixedClock) -> None:
    for n in range(THROTTLE_LIMIT):
        clock.advance(timedelta(seconds=10))
        failed = post_login(browser_at(app, f"10.0.0.{n + 1}"), "amira", "not her password")
        assert failed.status_code == 401
    elsewhere = browser_at(app, "10.9.9.9")
    held = post_login(elsewhere, "amira")  # the right password, from a fresh address
    assert held.status_code == 429
    retry_after = int(held.headers["Retry-After"])
    assert 0 < retry_after <= THROTTLE_WINDOW.total_seconds()
    assert "too many failed sign-ins" in held.text
    assert post_login(elsewhere, "bruno").status_code == 303  # only Amira's name is held
    clock.advance(timedelta(seconds=retry_after - 1))
    assert post_login(elsewhere, "amira").status_code == 429
    clock.advance(timedelta(seconds=1))
    signed_in = post_login(elsewhere, "amira")
    assert signed_in.status_code == 303, signed_in.text[:300]


@pytest.mark.usefixtures("people")
def test_five_failures_from_one_address_hold_that_address_for_fifteen_minutes(
        app: FastAPI, clock: FixedClock) -> None:
    guesser = browser_at(app, "192.0.2.7")
    for name in ("amira", "bruno", "nobody", "root", "admin"):
        assert post_login(guesser, name, "password123").status_code == 401
    held = post_login(guesser, "bruno")  # even with Bruno's right password
    assert held.status_code == 429
    assert int(held.headers["Retry-After"]) == THROTTLE_WINDOW.total_seconds()
    assert post_login(browser_at(app, "192.0.2.8"), "bruno").status_code == 303
    clock.advance(THROTTLE_WINDOW)
    assert post_login(guesser, "bruno").status_code == 303


@pytest.mark.usefixtures("people")
def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(app: FastAPI) -> None:
    browser = TestClient(app)
    token = login_form_token(browser)

    def answer(username: str) -> tuple[int, str, list[str]]:
        response = post_login(browser, username, "not the password", token)
        text = re.sub(r'name="csrf_token" value="[^"]*"', "", response.text)
        return (response.status_code, text.replace(username, "<name>"),
                sorted(k for k in response.headers if k not in ("content-length", "date")))

    known, unknown = answer("amira"), answer("amirb")
    assert known[0] == 401
    assert known == unknown


# --- passwords at rest -----------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id_hashes_and_never_logged(
        app: FastAPI, uow: UnitOfWork, clock: FixedClock, engine: Engine,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    make_service(uow, clock, "CLM", "Priority claims")
    admin = {"Authorization": f"Bearer {token_of(uow, ADMIN)}"}
    api = TestClient(app)
    secret = "Tr0ub4dor&3 is not it"
    made = api.post(f"{API}/users", json={"username": "nia", "password": secret},
                    headers=admin)
    assert made.status_code == 201, made.text
    assert "password" not in made.text
    browser = TestClient(app)
    assert post_login(browser, "nia", secret + "!").status_code == 401
    assert post_login(browser, "nia", secret).status_code == 303
    changed = web_form(browser, "/account/password", {
        "current_password": secret, "new_password": secret[::-1],
        "confirm_password": secret[::-1]})
    assert changed.status_code == 200, changed.text[:300]
    reset = api.put(f"{API}/users/nia/password", json={"password": secret.upper()},
                    headers=admin)
    assert reset.status_code == 204
    assert api.get(f"{API}/users/nia", headers=admin).text.count("argon2") == 0
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)
                              .where(users.c.username == "nia")).scalar_one()
    assert stored.startswith("$argon2id$")
    rows = repr(snapshot(engine))
    for password in (secret, secret + "!", secret[::-1], secret.upper()):
        assert password not in rows
        assert password not in caplog.text
    assert caplog.records  # the log was listened to at DEBUG level


@pytest.mark.usefixtures("people")
def test_a_read_only_token_cannot_change_a_password_from_the_web_form(
        app: FastAPI, uow: UnitOfWork) -> None:
    browser = TestClient(app)
    login_form_token(browser)  # the CSRF cookie a page gives
    browser.headers["Authorization"] = f"Bearer {token_of(uow, 'amira', Scope.READ)}"
    response = web_form(browser, "/account/password", {
        "current_password": PASSWORD, "new_password": "x" * 12, "confirm_password": "x" * 12})
    assert response.status_code == 403, response.text[:300]
    assert post_login(TestClient(app), "amira").status_code == 303  # unchanged
