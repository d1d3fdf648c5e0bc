"""A 10 MB body is refused without being read whole: the whole app (every middleware, then
the route) is called as a server calls it, over ASGI, with a body that arrives in 64 KB
pieces, and the test counts the pieces it is asked for. Announced with a Content-Length, the
413 goes out before the first piece is asked for; streamed without one, once a little more
than the limit has arrived, and nothing after it is read. The 413 closes the connection, so
the server (uvicorn) does not read the rest to keep it open. A hostile client costs the
server about the limit, not what it sends (bench/bench_hostile.py measures what that costs
other clients)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI

from flowdesk.api.limits import MAX_BODY

PIECE = 65_536
TEN_MB = 10_000_000
ROUTES = [("POST", "/api/v1/services"), ("POST", "/api/v1/services/CLM/items"),
          ("PATCH", "/api/v1/items/CLM-1"), ("POST", "/api/v1/items/CLM-1/move")]


def call(app: FastAPI, method: str, path: str, announce: bool) -> tuple[int, int, int]:
    """(status, body bytes the app asked for, pieces asked for after the answer started)."""
    asked = 0
    answered: list[dict[str, Any]] = []
    late = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked, late
        if answered:
            late += 1
        if asked >= TEN_MB:
            return {"type": "http.disconnect"}
        piece = min(PIECE, TEN_MB - asked)
        asked += piece
        return {"type": "http.request", "body": b"x" * piece, "more_body": asked < TEN_MB}

    async def send(message: dict[str, Any]) -> None:
        answered.append(message)

    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if announce:
        headers.append((b"content-length", str(TEN_MB).encode()))
    else:
        headers.append((b"transfer-encoding", b"chunked"))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in answered if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in answered if m["type"] == "http.response.body")
    assert json.loads(body)["error"] == "too_large"
    # and the connection is closed after it: a server that kept it would read the rest.
    assert (b"connection", b"close") in start["headers"]
    return int(start["status"]), asked, late


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_an_announced_ten_megabyte_body_is_refused_before_a_byte_of_it_is_read(
        app: FastAPI, method: str, path: str) -> None:
    assert call(app, method, path, announce=True) == (413, 0, 0)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_streamed_ten_megabyte_body_is_refused_once_past_the_limit_and_read_no_further(
        app: FastAPI, method: str, path: str) -> None:
    status, asked, late = call(app, method, path, announce=False)
    assert status == 413
    assert MAX_BODY < asked <= MAX_BODY + PIECE  # a tenth of what was coming
    assert late == 0  # not a piece asked for once the 413 was on its way
