"""Serving the board: one process on SQLite, several on PostgreSQL (live updates cross processes
there), and a loud warning when CSRF tokens would be signed with the published development
secret."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flowdesk.cli import serve as serve_module
from flowdesk.config import DEV_SECRET_KEY, load_settings, warn_about_dev_secret


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command's decision, without a server."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module.uvicorn, "run",
                        lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize("workers", ["2", "8"])
def test_serve_on_sqlite_refuses_several_workers_naming_the_option(
        uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
        workers: str) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", "sqlite:///flowdesk.db")
    result = CliRunner().invoke(serve_module.serve, ["--workers", workers])
    assert result.exit_code == 2
    assert "'--workers'" in result.output
    assert "SQLite serves from one process; use PostgreSQL for several workers" in result.output
    assert uvicorn_calls == []


@pytest.mark.parametrize("workers", ["0", "-1", "33"])
@pytest.mark.parametrize("url", ["sqlite:///flowdesk.db", "postgresql://db.example/flowdesk"])
def test_serve_refuses_a_number_of_workers_out_of_range(
        uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, workers: str,
        url: str) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", url)
    result = CliRunner().invoke(serve_module.serve, ["--workers", workers])
    assert result.exit_code == 2
    assert "'--workers'" in result.output and "between 1 and 32" in result.output
    assert uvicorn_calls == []


def test_serve_on_postgresql_starts_several_workers(uvicorn_calls: list[dict[str, Any]],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # No server at db.example: the check that the database opens (tests/cli/
    # test_unreachable_database.py) is recorded instead, like uvicorn.
    checked: list[str] = []
    monkeypatch.setattr(serve_module, "check_reachable",
                        lambda url, **kwargs: checked.append(url))
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", "postgresql://db.example/flowdesk")
    for workers in ("2", "32"):
        result = CliRunner().invoke(serve_module.serve, ["--workers", workers, "--port", "8123"])
        assert result.exit_code == 0, result.output
    assert [(c["workers"], c["port"]) for c in uvicorn_calls] == [(2, 8123), (32, 8123)]
    assert checked == ["postgresql://db.example/flowdesk"] * 2


def test_serve_with_one_worker_starts_the_server(uvicorn_calls: list[dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'flowdesk.db'}")
    result = CliRunner().invoke(serve_module.serve, ["--workers", "1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert [(c["workers"], c["port"]) for c in uvicorn_calls] == [(1, 8123)]


def test_serve_does_not_start_on_a_database_it_cannot_open(
        uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", "sqlite:///:memory:")
    result = CliRunner().invoke(serve_module.serve, ["--port", "8123"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open the database sqlite:///:memory:: ")
    assert uvicorn_calls == []


def test_without_a_secret_key_each_installation_makes_and_keeps_its_own(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    for unset in ({}, {"FLOWDESK_SECRET_KEY": ""}):
        settings = load_settings({"FLOWDESK_DATABASE_URL": "sqlite://",
                                  "FLOWDESK_DATA_DIR": str(folder), **unset})
        assert len(settings.secret_key) >= 40 and not settings.uses_dev_secret
        assert (folder / "secret-key").read_text().strip() == settings.secret_key
        assert stat.S_IMODE((folder / "secret-key").stat().st_mode) == 0o600
    again = load_settings({"FLOWDESK_DATA_DIR": str(folder)})
    other = load_settings({"FLOWDESK_DATA_DIR": str(tmp_path / "elsewhere")})
    assert again.secret_key == settings.secret_key != other.secret_key


def test_a_server_signing_with_the_published_value_warns_that_tokens_can_be_forged(
        caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"FLOWDESK_DATABASE_URL": "sqlite://",
                              "FLOWDESK_SECRET_KEY": DEV_SECRET_KEY})
    with caplog.at_level(logging.WARNING, logger="flowdesk.config"):
        assert warn_about_dev_secret(settings)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "anyone can forge" in caplog.text


def test_a_server_with_a_secret_key_starts_quietly(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({"FLOWDESK_DATABASE_URL": "sqlite://",
                              "FLOWDESK_SECRET_KEY": "a long random string"})
    with caplog.at_level(logging.WARNING, logger="flowdesk.config"):
        assert not warn_about_dev_secret(settings)
    assert caplog.records == []


def test_the_serving_app_warns_at_start_up_with_the_published_secret_key(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    made: list[object] = []

    class App:
        class state:
            settings = load_settings({"FLOWDESK_DATABASE_URL": "sqlite://",
                                      "FLOWDESK_SECRET_KEY": DEV_SECRET_KEY})

    def create_app() -> App:
        made.append(App)
        return App()

    monkeypatch.setattr("flowdesk.app.create_app", create_app)
    monkeypatch.setattr(serve_module.gc, "freeze", lambda: None)  # keep the tests' heap normal
    with caplog.at_level(logging.WARNING, logger="flowdesk.config"):
        serve_module.serving_app()
    assert made and "anyone can forge" in caplog.text
