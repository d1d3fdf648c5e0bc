"""What the web tests share besides fixtures: the moment they run at, the browser's service,
and the live server's handle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from web_seed import Seeded

from flowdesk.domain.clock import FixedClock
from flowdesk.storage.unit_of_work import UnitOfWork

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # git-ignored screenshots
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, as in tests/conftest.py
BROWSER_KEY = "PRIO"  # the seeded service the browser tests drive; the demo has its own


@dataclass
class LiveServer:
    url: str
    engine: Engine
    uow: UnitOfWork
    clock: FixedClock
    seeded: Seeded
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Watched:
    """A page with what it said: script errors, refused requests, and dialogs."""

    page: Any
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    refused: list[str] = field(default_factory=list)  # failed requests the browser logged
    dialogs: list[str] = field(default_factory=list)


# A 4xx answer, or a connection a test cut; a 5xx stays an error.
REFUSED = ("Failed to load resource: the server responded with a status of 4",
           "Failed to load resource: net::")


def watch(page: Any) -> Watched:
    watched = Watched(page)

    def on_console(message: Any) -> None:
        if message.type != "error":
            return
        text = str(message.text)
        (watched.refused if text.startswith(REFUSED) else watched.errors).append(text)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda e: watched.errors.append(f"uncaught: {e}"))
    page.on("dialog", on_dialog)
    return watched


def web_post(client: Any, url: str, data: dict[str, Any] | None = None, *, htmx: bool = False,
             token: str | None = None, follow: bool = False) -> Any:
    """POST a form the way a page does: with the CSRF token (from the cookie unless given)."""
    fields = dict(data or {})
    fields.setdefault("csrf_token", token if token is not None else client.cookies.get(
        "flowdesk_csrf", ""))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=fields, headers=headers, follow_redirects=follow)


def client_as(web: Any, token: str) -> Any:
    """Another person calling the same app (by their API token), holding a CSRF cookie."""
    from fastapi.testclient import TestClient

    other = TestClient(web.app)
    other.headers["Authorization"] = f"Bearer {token}"
    assert other.get("/").status_code == 200
    return other


def signed_in(web: Any, username: str, password: str) -> Any:
    """A browser-like client that signed in through the /login form (a session cookie)."""
    from fastapi.testclient import TestClient

    browser = TestClient(web.app)
    assert browser.get("/login").status_code == 200
    response = web_post(browser, "/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text
    return browser
