"""Authentication has one place: every API route, read or write, resolves the acting user."""

from __future__ import annotations

import pytest
from bad_input_world import World, make_world
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_routes import ROUTES, Route
from sqlalchemy import Engine

from flowdesk.api.deps import current_actor
from flowdesk.domain.errors import Forbidden
from flowdesk.domain.people import Actor


async def outsider() -> Actor:
    raise Forbidden("an outsider may not use this service")


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    return make_world(client, engine)


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_every_api_route_asks_who_is_calling(world: World, app: FastAPI, route: Route) -> None:
    app.dependency_overrides[current_actor] = outsider
    try:
        body = world.valid_body(route) if route.body is not None else None
        response = world.send(route, json=body)
    finally:
        app.dependency_overrides.clear()
    assert response.status_code == 403, (route.id, response.status_code, response.text[:200])
    assert response.json()["error"] == "forbidden"
