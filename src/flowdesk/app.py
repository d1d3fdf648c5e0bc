"""The application factory: one app serving the API (/api/v1) and the web pages.

This is the one module that imports both edges: the API (`flowdesk.api.mount`) and the web pages
(`flowdesk.web`) each import only what they share (`flowdesk.http`), never each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from flowdesk import __version__
from flowdesk.api.limits import BodySizeLimit
from flowdesk.api.mount import mount_api
from flowdesk.config import Settings, load_settings
from flowdesk.domain.clock import Clock, SystemClock
from flowdesk.http import errors
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import mount_web
from flowdesk.web.errors import error_page, to_sign_in
from flowdesk.web.live import NoticeBus

# Concurrent write transactions per server process (PostgreSQL): see UnitOfWork. Measured with
# bench/bench_moves.py on 2 cores and 2 workers; more writers at once lowered moves/s.
WRITERS_PER_PROCESS = 3


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the live-update bus with the server and close it with the server. On PostgreSQL
    that is a listener thread and two connections; an app never started holds none of them."""
    bus: NoticeBus = app.state.notice_bus
    uow: UnitOfWork = app.state.uow
    await run_in_threadpool(bus.start)
    uow.keep_lookup_connection(True)  # signing in reuses one connection (PostgreSQL)
    try:
        yield
    finally:
        uow.keep_lookup_connection(False)
        await run_in_threadpool(bus.close)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               engine: Engine | None = None, bus: NoticeBus | None = None) -> FastAPI:
    """The app. `bus` carries live updates between processes (default: the one for the
    database, see `flowdesk.web.notice_bus_for`)."""
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url,
                                   synchronous=settings.sqlite_synchronous)
    app = FastAPI(
        title="Flowdesk",
        version=__version__,
        description="Kanban service delivery: WIP-limited boards, the event log, flow metrics.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by the web pages, from local files (web/routes/api_docs.py)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.uow = UnitOfWork(engine, max_writers=WRITERS_PER_PROCESS)
    app.state.clock = clock or SystemClock()
    errors.install(app, page=error_page, sign_in=to_sign_in)  # one path, JSON or HTML
    app.add_middleware(BodySizeLimit)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    mount_api(app)  # /api/v1
    mount_web(app, bus)  # the web pages at /, /services/{key}/board, ...; static files at /static
    return app
