"""One error path for the API and the web pages (flowdesk/http/errors.py): the same handler maps
an error once, and the request chooses JSON or HTML by its path and what it accepts."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from flowdesk.domain.errors import FlowdeskError

JSON = "application/json"
HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's


def test_one_handler_answers_every_error_kind(app: FastAPI) -> None:
    handlers = {app.exception_handlers[kind] for kind in
                (FlowdeskError, RequestValidationError, StarletteHTTPException, Exception)}
    assert len(handlers) == 1


@pytest.mark.parametrize("accept", [HTML, "*/*", JSON])
def test_an_api_path_answers_json_whatever_it_accepts(client: TestClient, accept: str) -> None:
    response = client.get("/api/v1/services/NOPE", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(JSON)
    assert response.json()["error"] == "not_found"


def test_a_page_answers_html_to_a_browser(client: TestClient) -> None:
    response = client.get("/services/NOPE/board", headers={"Accept": HTML})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "NOPE" in response.text


def test_a_page_answers_the_same_error_in_json_to_a_client_that_asks_for_json(
        client: TestClient) -> None:
    api = client.get("/api/v1/services/NOPE", headers={"Accept": JSON})
    page = client.get("/services/NOPE/board", headers={"Accept": JSON})
    assert page.status_code == api.status_code == 404
    assert page.headers["content-type"].startswith(JSON)
    assert page.json()["error"] == api.json()["error"] == "not_found"


def test_an_unknown_page_and_an_unknown_api_path_are_both_404(client: TestClient) -> None:
    page = client.get("/no/such/page", headers={"Accept": HTML})
    api = client.get("/api/v1/no/such/route", headers={"Accept": HTML})
    assert (page.status_code, api.status_code) == (404, 404)
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in page.text
    assert api.json() == {"error": "not_found", "message": "Not Found", "field": None}


def test_nobody_signed_in_is_sent_to_sign_in_on_a_page_and_gets_401_on_the_api(
        app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        page = anonymous.get("/services/CLM/board", follow_redirects=False)
        api = anonymous.get("/api/v1/services/CLM", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")
    assert api.status_code == 401
    assert api.json()["error"] == "unauthenticated"
