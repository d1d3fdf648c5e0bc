"""Authentication has one place: every API route, read or write, asks who is calling, and
without good credentials answers 401 before it looks anything up. The routes come from the
OpenAPI document, so a new one is covered the day it is added; the document and its docs page
stay open."""

from __future__ import annotations

import pytest
from bad_input_world import World, block_if_needed, make_world
from fastapi.testclient import TestClient
from openapi_routes import ROUTES
from sqlalchemy import Engine

from flowdesk.http import session_cookie

FORGED_SESSION = "A" * 43 + "." + "0" * 64  # the cookie's shape, but not signed by us
CREDENTIALS = {
    "none": {},
    "an unknown token": {"Authorization": "Bearer fd_not-a-token-anyone-was-given"},
    "another scheme": {"Authorization": "Basic b2xpdmlhOnNlY3JldA=="},
    "an empty bearer": {"Authorization": "Bearer "},
}


OPEN = {"/api/v1/health"}  # monitors ask without credentials


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    return make_world(client, engine)


@pytest.mark.parametrize("credentials", list(CREDENTIALS))
def test_every_api_route_answers_401_without_good_credentials(
        world: World, app: object, credentials: str) -> None:
    """Real objects (CLM-1 exists, is blocked for unblock/escalate): the answer is still 401,
    the same as for a route on nothing, and nothing changes."""
    wrong = []
    stranger = TestClient(app)  # type: ignore[arg-type]
    stranger.cookies.set(session_cookie.NAME, FORGED_SESSION)
    for route in ROUTES:
        if route.path in OPEN:
            continue
        block_if_needed(world, route)
        before = world.footprint()
        body = world.valid_body(route) if route.body is not None else None
        response = stranger.request(route.method, world.url(route), json=body,
                                    params=world.valid_query(route),
                                    headers=CREDENTIALS[credentials])
        answer = response.json() if response.headers.get("content-type", "").startswith(
            "application/json") else {}
        if (response.status_code, answer.get("error")) != (401, "unauthenticated") or \
                not response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
            wrong.append(f"{route.id}: {response.status_code} {response.text[:160]}")
        if world.footprint() != before:
            wrong.append(f"{route.id}: changed something")
    assert not wrong, "\n".join(wrong)
    assert len(ROUTES) >= 39


def test_the_api_document_and_its_docs_page_are_open(app: object) -> None:
    stranger = TestClient(app)  # type: ignore[arg-type]
    assert stranger.get("/api/v1/openapi.json").status_code == 200
    assert stranger.get("/api/docs").status_code == 200
    assert stranger.get("/api/v1/health").status_code == 200
