"""Hostile input from outside: a 10 MB body is refused before anything parses it, and deep
nesting, invalid UTF-8 and huge query strings get a clear 4xx on every route, never a 500,
never a change."""

from __future__ import annotations

import itertools
import time

import pytest
from bad_input_world import World, assert_clean_refusal, make_world
from fastapi.testclient import TestClient
from openapi_routes import BODY_ROUTES, ROUTES
from sqlalchemy import Engine

from flowdesk.api.limits import MAX_BODY, MAX_QUERY

JSON = {"content-type": "application/json"}
GETS = [r for r in ROUTES if r.method == "GET"]


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    return make_world(client, engine)


def test_a_ten_megabyte_body_is_refused_before_it_is_parsed(world: World) -> None:
    """Not JSON at all, so a parser would answer 400 or 422: 413 says nothing read it."""
    before = world.footprint()
    garbage = b"\xff{[" * (10_000_000 // 3)
    for route in BODY_ROUTES:
        start = time.perf_counter()
        response = world.send(route, content=garbage, headers=JSON)
        assert_clean_refusal(response)
        assert response.status_code == 413, route.id
        assert response.json()["error"] == "too_large"
        assert time.perf_counter() - start < 5, route.id
    assert world.footprint() == before


NESTINGS = {
    "arrays": lambda n: b"[" * n + b"]" * n,
    "objects": lambda n: b'{"a":' * n + b"1" + b"}" * n,
    "unclosed": lambda n: b'{"a":' * n,
}


def test_deeply_nested_bodies_are_refused(world: World) -> None:
    before = world.footprint()
    for route, (name, nest) in itertools.product(BODY_ROUTES, NESTINGS.items()):
        for depth in (1_000, MAX_BODY // 5 - 1):
            response = world.send(route, content=nest(depth), headers=JSON)
            assert_clean_refusal(response)
            assert response.status_code in (413, 422), (route.id, name, depth)
            if response.status_code == 422 and name != "unclosed":
                assert "nested too deeply" in response.json()["message"], response.text
        as_field = b'{"title": ' + nest(10_000) + b"}"
        assert_clean_refusal(world.send(route, content=as_field, headers=JSON))
    assert world.footprint() == before


INVALID_UTF8 = [
    b'{"title": "caf\xe9"}',  # Latin-1, not UTF-8
    b'{"title": "\xc0\xaf"}',  # an overlong encoding of "/"
    b'{"title": "\xed\xa0\x80"}',  # a surrogate encoded directly
    b'{"title": "\xf4\x90\x80\x80"}',  # past U+10FFFF
    b'{"title": "ab\xe2\x82"}',  # a character cut short
    b'{"title": "\x80"}',  # a lone continuation byte
]
# JSON's other encodings: read (Python's JSON reader knows them) or refused, never a 500.
OTHER_ENCODINGS = [b'\xef\xbb\xbf{"title": "x"}', b"\xff\xfe{\x00}\x00",
                   '{"title": "x"}'.encode("utf-32")]


def test_bodies_that_are_not_utf8_are_refused(world: World) -> None:
    before = world.footprint()
    for route, raw in itertools.product(BODY_ROUTES, INVALID_UTF8):
        response = world.send(route, content=raw, headers=JSON)
        assert_clean_refusal(response)
        assert response.status_code == 422, (route.id, raw)
        # Read as text with the bad bytes escaped, the body is validated as usual; not
        # readable at all, the message says so (never a bare "error parsing the body").
        body = response.json()
        assert body["field"] is not None or "not valid UTF-8" in body["message"], body
    assert world.footprint() == before
    for route, raw in itertools.product(BODY_ROUTES, OTHER_ENCODINGS):
        assert_clean_refusal(world.send(route, content=raw, headers=JSON),
                             allowed=(200, 201, 204))


def test_invalid_utf8_in_the_query_string_is_never_a_server_error(world: World) -> None:
    for route in GETS:
        valid = "&".join(f"{k}={v}" for k, v in world.valid_query(route).items())
        names = [name for name, _ in route.query_params()] or ["x"]
        for raw in ("%ff%fe", "%c0%af", "%ed%a0%80", "%e2%82"):
            for name in names:
                response = world.client.get(f"{world.url(route)}?{valid}&{name}={raw}")
                assert_clean_refusal(response, allowed=(200,))


def test_a_huge_query_string_is_refused_as_too_long(world: World) -> None:
    before = world.footprint()
    for route in ROUTES:
        for query in ("x=" + "a" * MAX_QUERY, "&".join(f"k{i}=v" for i in range(5_000))):
            response = world.client.request(route.method, f"{world.url(route)}?{query}")
            assert_clean_refusal(response)
            assert response.status_code == 414, route.id
            assert response.json()["error"] == "too_long"
    assert world.footprint() == before


def test_a_long_but_reasonable_query_string_is_still_served(world: World) -> None:
    response = world.client.get("/api/v1/services/CLM/metrics",
                                params={"x": "a" * (MAX_QUERY - 100)})
    assert response.status_code == 200, response.text


def test_invalid_utf8_in_a_path_is_not_found(world: World) -> None:
    for raw in ("%ff%fe", "%c0%af", "%ed%a0%80"):
        response = world.client.get(f"/api/v1/services/{raw}")
        assert_clean_refusal(response)
        response = world.client.get(f"/api/v1/items/CLM-{raw}")
        assert_clean_refusal(response)
