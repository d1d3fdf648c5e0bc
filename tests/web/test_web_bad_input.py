"""Bad input to every web route gets a clear 4xx page (or JSON for the board script): never a
500, never a half-applied change. Routes come from the web routers, so new ones are covered."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import ROUTERS

ROUTES = sorted((method, r.path) for router in ROUTERS for r in router.routes
                if isinstance(r, APIRoute) for method in r.methods)
WEIRD = ["", " ", "NOPE", "CLM-999999", "0", "-1", "99999999999999999999999", "1.5", "nan",
         "' OR 1=1 --", "ÆØÅ-名前-🚀", "\u202egnp.exe", "a\x00b", "x" * 5_000, "%", "_",
         "<script>alert(1)</script>", "../../etc/passwd"]
FIELDS = ["title", "type", "cos", "customer", "due_date", "description", "assignee",
          "stage_id", "idempotency_key", "version", "reason", "category", "person",
          "to_stage", "before", "override_reason", "page"]
QUERY = ["lanes", "type", "cos", "customer", "assignee", "blocked", "q", "show", "after", "page"]


def fill(path: str, seeded: Seeded, value: str | None = None) -> str:
    value = None if value is None else quote(value, safe="")
    item = seeded.keys["ready_b"] if value is None else value
    return (path.replace("{key}", "CLM" if value is None else value)
            .replace("{item_key}", item)
            .replace("{stage_id}", str(seeded.stages["Done"]) if value is None else value))


def assert_clean(response: object, what: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{what}: {status}"
    if status >= 400:
        kind = response.headers["content-type"]  # type: ignore[attr-defined]
        assert kind.startswith(("text/html", "application/json")), what
        text = response.text  # type: ignore[attr-defined]
        assert "Traceback" not in text


def test_every_board_route_is_listed() -> None:
    assert {("GET", "/"), ("GET", "/services/{key}/board"), ("GET", "/services/{key}/new"),
            ("GET", "/services/{key}/board/events"), ("GET", "/services/{key}/items/{item_key}"),
            ("GET", "/services/{key}/stages/{stage_id}/items"),
            ("POST", "/items/{item_key}/move"), ("POST", "/services/{key}/items")} <= set(ROUTES)


# Every route with a path parameter, but the live stream: a valid key opens an endless stream
# (its unknown keys are tested below).
PATH_ROUTES = [(m, p) for m, p in ROUTES if "{" in p and not p.endswith("/board/events")]


@pytest.mark.parametrize(("method", "path"), PATH_ROUTES,
                         ids=[f"{m} {p}" for m, p in PATH_ROUTES])
def test_weird_path_values_are_refused_cleanly(web: TestClient, seeded: Seeded,
                                               uow: UnitOfWork, method: str, path: str) -> None:
    before = len(queries.item_history(uow, OPERATOR, seeded.keys["ready_b"]))
    for value in WEIRD:
        if not value.strip():
            continue  # an empty segment is a different URL, not an odd value
        url = fill(path, seeded, value)
        response = (web.get(url) if method == "GET"
                    else web_post(web, url, {"to_stage": seeded.stages["Ready"], "title": "x",
                                             "person": "x", "reason": "x",
                                             "category": "vendor"}))
        assert_clean(response, f"{method} {url!r}")
    assert len(queries.item_history(uow, OPERATOR, seeded.keys["ready_b"])) == before


@pytest.mark.parametrize("path", sorted({p for m, p in ROUTES if m == "GET"}))
def test_weird_query_values_are_refused_cleanly(web: TestClient, seeded: Seeded,
                                                path: str) -> None:
    if path.endswith("/board/events"):
        for value in WEIRD[:4]:
            response = web.get(fill(path, seeded, "NOPE"), params={"after": value})
            assert response.status_code == 404
        return
    for name in QUERY:
        for value in WEIRD:
            response = web.get(fill(path, seeded), params={name: value})
            assert_clean(response, f"GET {path} {name}={value!r}")


@pytest.mark.parametrize("path", sorted({p for m, p in ROUTES if m == "POST"}))
def test_weird_form_values_are_refused_cleanly(web: TestClient, seeded: Seeded,
                                               path: str) -> None:
    url = fill(path, seeded)
    for value in WEIRD:
        response = web_post(web, url, dict.fromkeys(FIELDS, value), htmx=True)
        assert_clean(response, f"POST {path} all fields {value!r}")
        if response.status_code >= 400 and "json" not in response.headers["content-type"]:
            assert re.search(r'role="alert"', response.text), f"{path} {value!r}"


def test_a_form_that_is_not_a_form_is_refused_cleanly(web: TestClient, seeded: Seeded) -> None:
    url = f"/items/{seeded.keys['ready_b']}/assign"
    token = web.cookies["flowdesk_csrf"]
    for body, kind in [(b"{not json", "application/json"), (b"\xff\xfe", "text/plain"),
                       (b"person=%ZZ", "application/x-www-form-urlencoded")]:
        response = web.post(url, content=body, headers={"content-type": kind,
                                                        "X-CSRF-Token": token})
        assert_clean(response, repr(body))
    huge = web.post(url, content=b"person=" + b"x" * 2_000_000,
                    headers={"content-type": "application/x-www-form-urlencoded",
                             "X-CSRF-Token": token})
    assert huge.status_code == 413


@pytest.mark.parametrize("path", sorted({p for m, p in ROUTES if m == "POST"}))
def test_a_page_address_that_is_not_a_url_keeps_the_default_view(web: TestClient,
                                                                  seeded: Seeded,
                                                                  path: str) -> None:
    """htmx reports the page's address in HX-Current-URL; a mangled one must not break the
    panel (the board view around it falls back to the default)."""
    for current in ("http://[::1", "http://[::1]x/?q=a", "http://a]/b?lanes=none"):
        response = web.post(fill(path, seeded),
                            data={"person": "ana", "title": "Broken link",
                                  "to_stage": seeded.stages["Ready"],
                                  "csrf_token": web.cookies["flowdesk_csrf"]},
                            headers={"HX-Request": "true", "HX-Current-URL": current})
        assert_clean(response, f"POST {path} HX-Current-URL={current!r}")


def test_a_panel_action_with_a_mangled_page_address_still_shows_the_panel(
        web: TestClient, seeded: Seeded) -> None:
    key = seeded.keys["ready_b"]
    response = web.post(f"/items/{key}/assign",
                        data={"person": "ana", "csrf_token": web.cookies["flowdesk_csrf"]},
                        headers={"HX-Request": "true", "HX-Current-URL": "http://[::1"})
    assert response.status_code == 200
    assert "Ana Lima" in response.text and 'href="/services/CLM/board"' in response.text
