"""Fuzzed bodies for every body-taking route: whatever arrives, the answer is never a 500 and a
refusal leaves nothing behind. Hypothesis is derandomised, so a run is repeatable."""

from __future__ import annotations

from typing import Any

import pytest
from bad_input_world import World, assert_clean_refusal, make_world
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_routes import BODY_ROUTES, Route
from sqlalchemy import Engine

JSON_SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=60)
    | st.sampled_from(["", " ", "\x00", "CLM-1", "2026-03-31", "2026-02-30", "expedite",
                       "customer", "x" * 300])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10,
)

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    return make_world(client, engine)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=[r.id for r in BODY_ROUTES])
@FUZZ
@given(data=st.data())
def test_fuzzed_bodies_never_break_the_server(world: World, route: Route,
                                              data: st.DataObject) -> None:
    fields = sorted(route.properties()) or ["anything"]
    names = st.sampled_from(fields) | st.text(min_size=1, max_size=8)
    changes: dict[str, Any] = data.draw(st.dictionaries(names, JSON_VALUES, max_size=4))
    drop = data.draw(st.lists(st.sampled_from(fields), max_size=2))
    body = {**world.valid_body(route), **changes}
    for name in drop:
        body.pop(name, None)
    before = world.footprint()
    response = world.send(route, json=body)
    assert_clean_refusal(response, allowed=(200, 201, 204))
    if response.status_code >= 400:
        assert world.footprint() == before, (body, response.text)
