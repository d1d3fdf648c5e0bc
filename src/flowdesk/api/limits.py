"""Refuse oversized requests before anything reads them: bodies, announced (Content-Length)
or streamed (chunked), past MAX_BODY (413), and query strings past MAX_QUERY (414)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 1_000_000
MAX_QUERY = 8_192  # bytes of query string: the longest real one is a few hundred


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY,
                 max_query: int = MAX_QUERY) -> None:
        self.app = app
        self.max_body = max_body
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_query:
            await _answer(send, 414, "too_long",
                          f"the query string is longer than {self.max_query} bytes")
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._refuse(send)
            return
        received = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            # A chunked body announces no length: count it as it arrives. Past the limit, answer
            # 413 at once and tell the app the client went away, so it stops reading.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body and not started:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is already sent; whatever the app says after it is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send) -> None:
        await _answer(send, 413, "too_large",
                      f"the request body is larger than {self.max_body} bytes")


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    """Answer with a JSON error, the app never called, and close the connection: else the
    server would read the rest of the refused body to keep the connection (uvicorn drains
    it), 10 MB for a 10 MB body (bench/bench_hostile.py)."""
    body = json.dumps({"error": code, "message": message, "field": None}).encode()
    start: Message = {
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
