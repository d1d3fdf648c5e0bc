"""The server answers only to its own names: loopback, and FLOWDESK_ALLOWED_HOSTS."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flowdesk.app import create_app
from flowdesk.config import SettingsError, load_settings
from flowdesk.storage.db import make_engine


def client_for(tmp_path: Path, allowed: str | None, host: str) -> TestClient:
    env = {"FLOWDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
           "FLOWDESK_DATA_DIR": str(tmp_path)}
    if allowed is not None:
        env["FLOWDESK_ALLOWED_HOSTS"] = allowed
    settings = load_settings(env)
    app = create_app(settings, engine=make_engine(settings.database_url))
    return TestClient(app, base_url=f"http://{host}")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:8000"])
def test_loopback_names_are_always_answered(tmp_path: Path, host: str) -> None:
    response = client_for(tmp_path, None, host).get("/api/v1/openapi.json")
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "rebind.attacker.example:8000",
                                  "flowdesk.example.org.attacker.example"])
def test_any_other_name_is_refused_before_anything_runs(tmp_path: Path, host: str) -> None:
    client = client_for(tmp_path, "flowdesk.example.org", host)
    assert client.get("/api/v1/openapi.json").status_code == 400
    assert client.get("/login").status_code == 400


def test_configured_names_and_their_subdomains_are_answered(tmp_path: Path) -> None:
    for host in ("flowdesk.example.org", "board.team.example"):
        client = client_for(tmp_path, "flowdesk.example.org, *.team.example", host)
        assert client.get("/api/v1/openapi.json").status_code == 200


def test_a_malformed_name_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="FLOWDESK_ALLOWED_HOSTS"):
        load_settings({"FLOWDESK_ALLOWED_HOSTS": "flowdesk.example.org, not a host"})
