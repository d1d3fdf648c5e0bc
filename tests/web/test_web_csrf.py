"""Every state-changing web request must repeat the page's signed token, or it is refused (403).

The routes come from the app itself, so a new form route is covered the day it is added."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.http import csrf
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import ROUTERS


def web_post_routes() -> list[str]:
    """Paths of every web route that changes state."""
    return sorted(
        r.path for router in ROUTERS for r in router.routes
        if isinstance(r, APIRoute) and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
    )


POST_ROUTES = web_post_routes()


def url_for(path: str, seeded: Seeded) -> str:
    return (path.replace("{item_key}", seeded.keys["ready_b"]).replace("{key}", "CLM"))


def test_the_protected_routes_include_every_board_form() -> None:
    assert set(POST_ROUTES) >= {
        "/items/{item_key}/assign", "/items/{item_key}/block", "/items/{item_key}/deliver",
        "/items/{item_key}/discard", "/items/{item_key}/edit", "/items/{item_key}/move",
        "/items/{item_key}/reopen", "/items/{item_key}/unassign", "/items/{item_key}/unblock",
        "/services/{key}/items",
    }


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_request_without_the_token_is_refused(web: TestClient, seeded: Seeded, path: str,
                                                uow: UnitOfWork) -> None:
    before = len(queries.item_history(uow, OPERATOR, seeded.keys["ready_b"]))
    response = web.post(url_for(path, seeded), data={"reason": "x", "person": "x",
                                                     "title": "x"})
    assert response.status_code == 403
    assert "security token" in response.text
    # The board script calls /move and shows the JSON message; every form gets a page.
    kind = "application/json" if path.endswith("/move") else "text/html"
    assert response.headers["content-type"].startswith(kind)
    assert len(queries.item_history(uow, OPERATOR, seeded.keys["ready_b"])) == before


@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_request_with_a_wrong_token_is_refused(web: TestClient, seeded: Seeded,
                                                 path: str) -> None:
    forged = csrf.new_token("someone else's secret")
    for token in ("nonsense", forged, web.cookies["flowdesk_csrf"] + "x"):
        response = web_post(web, url_for(path, seeded), {"reason": "x"}, token=token)
        assert response.status_code == 403, token


def test_a_request_without_the_cookie_is_refused_even_with_a_token(
        client: TestClient, seeded: Seeded) -> None:
    token = csrf.new_token(client.app.state.settings.secret_key)  # type: ignore[attr-defined]
    response = client.post(f"/items/{seeded.keys['ready_b']}/assign",
                           data={"person": "x", "csrf_token": token})
    assert response.status_code == 403


def test_the_header_carries_the_token_for_scripts(web: TestClient, seeded: Seeded) -> None:
    response = web.post(f"/items/{seeded.keys['ready_b']}/assign", data={"person": "ana"},
                        headers={"X-CSRF-Token": web.cookies["flowdesk_csrf"],
                                 "HX-Request": "true"})
    assert response.status_code == 200


def test_the_first_page_sets_a_lax_http_only_cookie_and_repeats_it_in_the_page(
        client: TestClient) -> None:
    page = client.get("/")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("flowdesk_csrf=")
    # Lax: a person arriving by a link from another site still sends it, so the pages they
    # already have open keep working (Strict would replace their token).
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = client.cookies["flowdesk_csrf"]
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    again = client.get("/")
    assert "set-cookie" not in again.headers  # the same token for the whole visit


def test_tokens_are_signed_with_the_secret_key() -> None:
    token = csrf.new_token("k1")
    assert csrf.is_valid("k1", token)
    assert not csrf.is_valid("k2", token)
    assert not csrf.is_valid("k1", token.replace(".", ".0", 1))
    assert not csrf.is_valid("k1", None)


def test_a_token_made_for_one_session_is_refused_in_any_other() -> None:
    token = csrf.new_token("k", "session-1")
    assert csrf.is_valid("k", token, "session-1")
    assert not csrf.is_valid("k", token, "session-2")
    assert not csrf.is_valid("k", token)  # nor before signing in
    assert not csrf.is_valid("k", csrf.new_token("k"), "session-1")


def test_a_refused_move_is_json_the_board_script_can_show(web: TestClient,
                                                          seeded: Seeded) -> None:
    response = web.post(f"/items/{seeded.keys['ready_b']}/move", data={"to_stage": "1"},
                        headers={"Accept": "application/json", "X-CSRF-Token": "nonsense"})
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "forbidden"
    assert "security token" in body["message"]


@pytest.mark.parametrize("token", ["\u00e4" * 10, "\u00b2" * 24 + "." + "a" * 64, "\u00ff"])
def test_a_non_ascii_token_in_the_form_is_refused_with_a_message(web: TestClient,
                                                                 seeded: Seeded,
                                                                 token: str) -> None:
    response = web_post(web, f"/items/{seeded.keys['ready_b']}/assign", {"person": "x"},
                        token=token)
    assert response.status_code == 403
    assert "security token" in response.text and "malformed" in response.text


def test_a_non_ascii_token_in_the_header_is_refused_with_a_message(web: TestClient,
                                                                   seeded: Seeded) -> None:
    response = web.post(f"/items/{seeded.keys['ready_b']}/move", data={"to_stage": "1"},
                        headers={"X-CSRF-Token": "t\u00e9st".encode("latin-1")})
    assert response.status_code == 403
    assert "malformed" in response.json()["message"]


def test_a_non_ascii_cookie_gets_a_fresh_token_instead_of_an_error(client: TestClient,
                                                                   seeded: Seeded) -> None:
    mangled = "a" * 24 + "." + "\u00e4" * 64
    page = client.get("/", headers={"Cookie": f"flowdesk_csrf={mangled}".encode("latin-1")})
    assert page.status_code == 200
    assert page.headers["set-cookie"].startswith("flowdesk_csrf=")
    assert mangled not in page.text
    assert not csrf.is_valid("k", mangled)
