"""Bad input to every API endpoint gets a clear 4xx with a JSON message: never a 500, never a
half-applied change. The routes come from the OpenAPI document, so new endpoints are covered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from bad_input_world import World, assert_clean_refusal, block_if_needed, make_world
from fastapi.testclient import TestClient
from openapi_routes import BODY_ROUTES, ROUTES, Route, kinds, nullable
from sqlalchemy import Engine

from flowdesk.api.limits import MAX_BODY

# Values that are never a real key, id or name; each must be refused cleanly in any path slot.
WEIRD_PATH_VALUES = [
    "NOPE", "CLM-999999", "0", "-1", "99999999999999999999999", "1.5", "1e3", "nan",
    "' OR 1=1 --", "ÆØÅ-名前-🚀", "\u202egnp.exe", "a\x00b", "%00", "x" * 5_000, "..", " ",
    "CLM-1; DROP TABLE items",
]

UNICODE = "Ünïcödé 名前 🚀 \u202eRTL\u200b zero-width, and a \"quote\" and a \\backslash"


@pytest.fixture
def world(client: TestClient, engine: Engine) -> World:
    return make_world(client, engine)


def route_ids(routes: list[Route]) -> list[str]:
    return [r.id for r in routes]


def test_the_openapi_document_lists_the_endpoints_of_the_foundation() -> None:
    listed = {r.id for r in ROUTES}
    assert {
        "GET /api/v1/services", "POST /api/v1/services", "GET /api/v1/services/{key}",
        "PUT /api/v1/services/{key}/stages/{stage_id}/limit",
        "PUT /api/v1/services/{key}/stages/{stage_id}/policy",
        "GET /api/v1/services/{key}/board", "POST /api/v1/services/{key}/items",
        "GET /api/v1/items/{item_key}", "PATCH /api/v1/items/{item_key}",
        "POST /api/v1/items/{item_key}/move", "POST /api/v1/items/{item_key}/block",
        "POST /api/v1/items/{item_key}/unblock", "GET /api/v1/items/{item_key}/events",
        "GET /api/v1/services/{key}/events",
    } <= listed


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_a_valid_request_to_every_route_succeeds(world: World, route: Route) -> None:
    # The baseline the other tests vary: without it a refusal could come from the wrong field.
    block_if_needed(world, route)
    body = world.valid_body(route) if route.body is not None else None
    response = world.send(route, json=body)
    assert response.status_code < 300, response.text


@pytest.mark.parametrize("route", [r for r in ROUTES if r.path_params()],
                         ids=route_ids([r for r in ROUTES if r.path_params()]))
def test_unknown_ids_in_the_path_are_not_found(world: World, route: Route) -> None:
    unknown = {"key": "NOPE", "item_key": "CLM-404", "stage_id": "999999"}
    body = world.valid_body(route) if route.body is not None else None
    for name, _ in route.path_params():
        if name not in unknown:
            continue
        before = world.footprint()
        response = world.send(route, url=world.url(route, **{name: unknown[name]}), json=body)
        assert_clean_refusal(response)
        assert response.status_code == 404, (name, response.text)
        assert world.footprint() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r.path_params()],
                         ids=route_ids([r for r in ROUTES if r.path_params()]))
def test_weird_values_in_every_path_slot_are_refused_cleanly(world: World, route: Route) -> None:
    body = world.valid_body(route) if route.body is not None else None
    for name, _ in route.path_params():
        for value in WEIRD_PATH_VALUES:
            before = world.footprint()
            response = world.send(route, url=world.url(route, **{name: value}), json=body)
            assert_clean_refusal(response)
            assert world.footprint() == before, (name, value)


STAGE_FIELDS = ("to_stage", "stage_id", "stage_ids")


def routes_taking_stage_ids() -> list[Route]:
    return [r for r in ROUTES
            if any(n == "stage_id" for n, _ in r.path_params())
            or any(f in r.properties() for f in STAGE_FIELDS)]


@pytest.mark.parametrize("route", routes_taking_stage_ids(),
                         ids=route_ids(routes_taking_stage_ids()))
def test_a_stage_of_another_service_is_never_accepted(world: World, route: Route) -> None:
    foreign = world.settlements.stage
    # (url, body, the body field naming the foreign stage; None when the path names it)
    variants: list[tuple[str, dict[str, Any], str | None]] = []
    if any(n == "stage_id" for n, _ in route.path_params()):
        variants.append((world.url(route, stage_id=str(foreign["Review"])),
                         world.valid_body(route), None))
    for name in STAGE_FIELDS:
        if name in route.properties():
            body = world.valid_body(route)
            body[name] = ([world.claims.stage["Review"], foreign["In progress"]]
                          if name == "stage_ids" else foreign["Ready"])
            variants.append((world.url(route), body, name))
    assert variants
    for url, body, field in variants:
        before = world.footprint()
        response = world.send(route, url=url, json=body)
        assert_clean_refusal(response)
        if field is None:
            assert response.status_code == 404, response.text
        else:  # a foreign id in the body is bad input in that field, not a missing resource
            assert response.status_code == 422, response.text
            assert response.json()["field"] == field
        assert world.footprint() == before


def body_routes() -> list[Any]:
    return [pytest.param(route, id=route.id) for route in BODY_ROUTES]


@pytest.mark.parametrize("route", body_routes())
def test_malformed_json_is_refused(world: World, route: Route) -> None:
    for raw in (b"{", b'{"title": ', b"{'single': 'quotes'}", b"\xff\xfe", b"",
                b'{"a": 1,}', b"[" * 10_000, b'{"title": "a\\ud800b"}', b"NaN"):
        response = world.send(route, content=raw, headers={"content-type": "application/json"})
        assert_clean_refusal(response)


@pytest.mark.parametrize("route", body_routes())
def test_a_body_that_is_not_an_object_is_refused(world: World, route: Route) -> None:
    for value in ([], [world.valid_body(route)], "text", 42, None, True):
        response = world.send(route, json=value)
        assert_clean_refusal(response)


@pytest.mark.parametrize("route", [r for r in BODY_ROUTES if r.required()],
                         ids=route_ids([r for r in BODY_ROUTES if r.required()]))
def test_each_missing_required_field_is_named(world: World, route: Route) -> None:
    for name in route.required():
        body = world.valid_body(route)
        del body[name]
        before = world.footprint()
        response = world.send(route, json=body)
        assert_clean_refusal(response)
        assert response.status_code == 422
        assert response.json()["field"] == name
        assert world.footprint() == before


@pytest.mark.parametrize("route", body_routes())
def test_an_unknown_field_is_refused_by_name(world: World, route: Route) -> None:
    body = {**world.valid_body(route), "colour": "red"}
    before = world.footprint()
    response = world.send(route, json=body)
    assert_clean_refusal(response)
    assert response.status_code == 422
    assert response.json()["field"] == "colour"
    assert world.footprint() == before


def wrong_values(schema: dict[str, Any], route: Route) -> list[Any]:
    """Values of the wrong type for a field."""
    types = {o.get("type") for o in kinds(schema, route.components)}
    candidates: list[Any] = [{"nested": "object"}, [1, 2], 1.5, "not a number", True, 7]
    wrong = []
    for value in candidates:
        if isinstance(value, bool):
            ok = "boolean" in types
        elif isinstance(value, int):
            ok = bool(types & {"integer", "number"})
        elif isinstance(value, float):
            ok = "number" in types
        elif isinstance(value, str):
            ok = "string" in types
        elif isinstance(value, list):
            ok = "array" in types
        else:
            ok = "object" in types
        if not ok:
            wrong.append(value)
    if not nullable(schema) and schema.get("default", 0) is not None:
        wrong.append(None)
    return wrong


@pytest.mark.parametrize("route", body_routes())
def test_wrong_types_in_every_field_are_refused_by_name(world: World, route: Route) -> None:
    for name, schema in route.properties().items():
        for value in wrong_values(schema, route):
            body = {**world.valid_body(route), name: value}
            before = world.footprint()
            response = world.send(route, json=body)
            assert_clean_refusal(response)
            assert response.status_code == 422, (name, value, response.text)
            assert str(response.json()["field"]).startswith(name), (name, value, response.text)
            assert world.footprint() == before


def string_fields(route: Route) -> list[str]:
    return [name for name, schema in route.properties().items()
            if any(o.get("type") == "string" and "enum" not in o and o.get("format") != "date"
                   for o in kinds(schema, route.components))]


def int_fields(route: Route) -> list[str]:
    return [name for name, schema in route.properties().items()
            if any(o.get("type") == "integer" for o in kinds(schema, route.components))]


@pytest.mark.parametrize("route", body_routes())
def test_overlong_strings_are_refused(world: World, route: Route) -> None:
    for name in string_fields(route):
        body = {**world.valid_body(route), name: "x" * 100_000}
        before = world.footprint()
        response = world.send(route, json=body)
        assert_clean_refusal(response)
        assert response.status_code == 422, (name, response.text)
        assert world.footprint() == before


@pytest.mark.parametrize("route", body_routes())
def test_a_one_megabyte_string_is_refused_as_too_large(world: World, route: Route) -> None:
    name = (string_fields(route) or list(route.properties()) or ["padding"])[0]
    body = {**world.valid_body(route), name: "x" * MAX_BODY}
    response = world.send(route, json=body)
    assert_clean_refusal(response)
    assert response.status_code == 413


@pytest.mark.parametrize("route", body_routes())
def test_a_ten_megabyte_body_is_refused_as_too_large(world: World, route: Route) -> None:
    body = json.dumps({**world.valid_body(route), "padding": "x" * 10_000_000}).encode()
    before = world.footprint()
    response = world.send(route, content=body, headers={"content-type": "application/json"})
    assert_clean_refusal(response)
    assert response.status_code == 413
    assert world.footprint() == before


@pytest.mark.parametrize("route", body_routes())
def test_a_ten_megabyte_streamed_body_without_a_length_is_refused(world: World,
                                                                  route: Route) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"padding": "'
        for _ in range(10):
            yield b"x" * 1_000_000
        yield b'"}'

    response = world.send(route, content=chunks(), headers={"content-type": "application/json"})
    assert_clean_refusal(response)
    assert response.status_code == 413


@pytest.mark.parametrize("route", body_routes())
def test_unicode_and_control_characters_in_every_string_never_break_the_server(
        world: World, route: Route) -> None:
    for name in string_fields(route):
        for text in (UNICODE, "a\x00b", "\t\n\r", "\x1b[31mred", "\U0001d54f" * 30):
            body = {**world.valid_body(route), name: text}
            before = world.footprint()
            response = world.send(route, json=body)
            assert_clean_refusal(response, allowed=(200, 201, 204))
            if response.status_code >= 400:
                assert world.footprint() == before


def zero_allowed(schema: dict[str, Any], route: Route) -> bool:
    """Whether the field's schema says 0 is a value (a skill level: 0 is "none")."""
    return any(o.get("minimum") == 0 for o in kinds(schema, route.components))


@pytest.mark.parametrize("route", body_routes())
def test_zero_negative_and_huge_numbers_are_refused(world: World, route: Route) -> None:
    for name in int_fields(route):
        zero = () if zero_allowed(route.properties()[name], route) else (0,)
        for value in (*zero, -1, -(2**63), 2**63, 2**70):
            body = world.valid_body(route)
            body[name] = [value, value] if name == "stage_ids" else value
            before = world.footprint()
            response = world.send(route, json=body)
            assert_clean_refusal(response)
            assert response.status_code in (404, 422), (name, value, response.text)
            assert world.footprint() == before


QUERY_ROUTES = [r for r in ROUTES if r.query_params()]


def always_wrong(schema: dict[str, Any], route: Route) -> list[str]:
    """Query values no parameter of this schema can accept."""
    wrong: list[str] = []
    for option in kinds(schema, route.components):
        kind = option.get("type")
        if "enum" in option:
            wrong.append("no-such-choice")
        elif kind in ("integer", "number"):
            wrong += ["abc", "1e999x"]
            if kind == "integer":
                wrong += ["1.5", "99999999999999999999999"]
            if "minimum" in option:
                wrong.append(str(int(option["minimum"]) - 1))
            if "maximum" in option:
                wrong.append(str(int(option["maximum"]) + 1))
        elif kind == "string" and option.get("format") == "date":
            wrong += ["abc", "2026-02-30", "2026-13-01"]
        elif kind == "boolean":
            wrong += ["maybe", "2"]
        elif kind == "string" and "maxLength" in option:
            wrong.append("x" * (int(option["maxLength"]) + 1))
    return wrong


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=route_ids(QUERY_ROUTES))
def test_bad_query_parameters_are_refused_by_name(world: World, route: Route) -> None:
    checked = 0
    for name, schema in route.query_params():
        for value in always_wrong(schema, route):
            response = world.send(route, params={**world.valid_query(route), name: value})
            assert_clean_refusal(response)
            assert response.status_code == 422, (name, value, response.text[:300])
            assert response.json()["field"] == name, (name, value, response.text[:300])
            checked += 1
    assert checked, "no query parameter of this route has a value it must refuse"


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=route_ids(QUERY_ROUTES))
def test_odd_text_in_any_query_parameter_never_breaks_the_server(world: World,
                                                                 route: Route) -> None:
    for name, _ in route.query_params():
        for value in ("", "a\x00b", UNICODE, "' OR 1=1 --", "-1", "x" * 5_000):
            response = world.send(route, params={**world.valid_query(route), name: value})
            assert_clean_refusal(response, allowed=(200,))


def test_a_lone_surrogate_in_a_title_is_refused(world: World) -> None:
    response = world.client.post("/api/v1/services/CLM/items", content=b'{"title": "a\\udc00"}',
                                 headers={"content-type": "application/json"})
    assert_clean_refusal(response)
    assert response.json()["field"] == "title"


def test_an_idempotency_key_that_is_too_long_is_refused(world: World) -> None:
    response = world.client.post("/api/v1/services/CLM/items", json={"title": "x"},
                                 headers={"Idempotency-Key": "k" * 201})
    assert_clean_refusal(response)
    assert response.status_code == 422


def test_an_unknown_path_is_a_json_404(world: World) -> None:
    response = world.client.get("/api/v1/nothing/here")
    assert_clean_refusal(response)
    assert response.status_code == 404


def test_a_wrong_method_is_a_json_405(world: World) -> None:
    response = world.client.delete("/api/v1/services")
    assert_clean_refusal(response)
    assert response.status_code == 405
