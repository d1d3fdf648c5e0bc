"""The application factory: one app serving the API (/api/v1) and the web pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from flowdesk import __version__
from flowdesk.api import errors
from flowdesk.api.deps import current_actor
from flowdesk.api.limits import BodySizeLimit
from flowdesk.api.routers import charts, events, items, metrics, services
from flowdesk.config import Settings, load_settings
from flowdesk.domain.clock import Clock, SystemClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import mount_web


def create_app(settings: Settings | None = None, *, clock: Clock | None = None,
               engine: Engine | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="Flowdesk",
        version=__version__,
        description="Kanban service delivery: WIP-limited boards, the event log, flow metrics.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.uow = UnitOfWork(engine)
    app.state.clock = clock or SystemClock()
    errors.install(app)
    app.add_middleware(BodySizeLimit)
    # Every API route resolves the acting user, reads included: authorisation hangs off
    # `current_actor` in one place. (A route that needs the actor itself gets the same,
    # cached value.)
    for router in (services.router, items.router, events.router, metrics.router,
                   charts.router):
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(current_actor)])
    mount_web(app)  # the web pages at /, /services/{key}/board, ...; static files at /static
    return app
