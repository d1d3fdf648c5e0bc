"""The application factory: one app serving the API (/api/v1) and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from flowdesk import __version__
from flowdesk.api import errors
from flowdesk.api.deps import current_actor
from flowdesk.api.disconnect import ClientGone, client_gone
from flowdesk.api.limits import BodySizeLimit
from flowdesk.api.openapi_links import add_links
from flowdesk.api.routers import (
    agreements,
    capacity,
    charts,
    demand,
    events,
    health,
    items,
    metrics,
    people,
    services,
)
from flowdesk.api.schemas import ErrorOut
from flowdesk.config import Settings, load_settings
from flowdesk.domain.clock import Clock, SystemClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import mount_web
from flowdesk.web.live import NoticeBus

# Concurrent write transactions per server process (PostgreSQL): see UnitOfWork. Measured with
# bench/bench_moves.py on 2 cores and 2 workers; more writers at once lowered moves/s.
WRITERS_PER_PROCESS = 3


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the live-update bus with the server and close it with the server. On PostgreSQL
    that is a listener thread and two connections; an app never started holds none of them."""
    bus: NoticeBus = app.state.notice_bus
    await run_in_threadpool(bus.start)
    try:
        yield
    finally:
        await run_in_threadpool(bus.close)


ERRORS_OF_EVERY_ROUTE = {
    "401": "nobody signed in, or an unknown, expired or revoked token",
    "403": "a role or a token scope that may not do this",
    "404": "no such object, or one of a service you are not a member of",
    "414": "a query string longer than the server accepts",
    "422": "bad input: the message names the field",
}
ERRORS_OF_WRITES = {
    "400": "a body that cannot be read: not UTF-8, or nested too deep",
    "409": "a WIP limit refuses it (naming the limit), or it clashes with the current state",
    "412": "the If-Match version is stale",
    "413": "the body is larger than the server accepts",
}


def document_errors(app: FastAPI) -> None:
    """List in the OpenAPI document every error status each API route can answer: the
    document is made once, then each operation gets the statuses it lacks."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = make()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path, operations in document["paths"].items():
            if path == "/api/v1/health":
                continue
            for method, operation in operations.items():
                wanted = {**ERRORS_OF_EVERY_ROUTE,
                          **(ERRORS_OF_WRITES if method not in ("get", "head") else {})}
                answers = operation.setdefault("responses", {})
                for status, text in wanted.items():
                    answers.setdefault(status, {"description": text, "content": error})
        add_links(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


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
    errors.install(app)
    app.add_exception_handler(ClientGone, client_gone)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))
    # Every API route resolves the acting user, reads included (401 for nobody); the use
    # cases decide what that user may do. The OpenAPI document and its docs stay open.
    for router in (services.router, items.router, events.router, metrics.router,
                   charts.router, people.router, demand.router, capacity.router,
                   agreements.router):
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(current_actor)])
    app.include_router(health.router, prefix="/api/v1")  # open: monitors ask without a token
    document_errors(app)
    mount_web(app, bus)  # the web pages at /, /services/{key}/board, ...; static files at /static
    return app
