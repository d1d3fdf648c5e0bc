"""What stays open without signing in: health, the OpenAPI document and the API docs, all
served from Flowdesk's own files."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_health_answers_without_credentials_and_checks_the_database(app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        response = anonymous.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_the_api_docs_load_only_files_flowdesk_serves(app: FastAPI) -> None:
    with TestClient(app) as anonymous:
        page = anonymous.get("/api/docs")
        assert page.status_code == 200
        assert "script-src 'self';" in page.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/static/") for s in sources), sources
        for source in sources:
            assert anonymous.get(source).status_code == 200, source
        assert anonymous.get("/api/v1/openapi.json").status_code == 200
