"""Run slow work in a worker thread, and tell it to stop when the client goes away."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from flowdesk.services.analytics import Cancelled

T = TypeVar("T")
POLL_SECONDS = 0.25


async def until_disconnected(request: Request, cancelled: threading.Event,
                             work: Callable[[], T]) -> T:
    """`work()` in the thread pool. While it runs, the client's connection is watched: once
    it closes, `cancelled` is set, and work that checks it (a forecast's budget) stops at its
    next checkpoint instead of running on for nobody."""
    task = asyncio.ensure_future(run_in_threadpool(work))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
            if done:
                return task.result()
            if await request.is_disconnected():
                cancelled.set()
    except Cancelled:
        raise ClientGone from None
    finally:
        cancelled.set()  # whatever happens here (the server stopping too), the work stops


class ClientGone(Exception):
    """Nobody is waiting for the answer: it is answered with an empty 499 (nginx's "client
    closed request"), which no one reads, and not logged as an error."""


async def client_gone(_request: Request, _exc: Exception) -> Response:
    return Response(status_code=499)
