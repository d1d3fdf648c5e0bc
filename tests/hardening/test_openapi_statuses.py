"""The OpenAPI document lists the statuses routes really answer: a client generated from it
knows every error it can meet."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, object]]]:
    document = app.openapi()
    return [(method, path, op) for path, ops in document["paths"].items()
            for method, op in ops.items()]


def test_every_route_documents_the_answer_it_gives_to_nobody(app: FastAPI) -> None:
    checked = 0
    with TestClient(app) as anonymous:
        for method, path, op in operations(app):
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = anonymous.request(method.upper(), url)
            assert str(response.status_code) in op["responses"], (method, path, response.text)
            checked += 1
    assert checked >= 40


def test_every_write_documents_limits_versions_and_size(app: FastAPI) -> None:
    for method, path, op in operations(app):
        if method != "get" and path != "/api/v1/health":
            assert {"401", "403", "404", "409", "412", "413", "422"} <= set(op["responses"]), (
                method, path)
