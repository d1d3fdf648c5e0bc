"""The web board: server-rendered pages, htmx partials, drag and drop, live updates.

`mount_web(app)` adds the pages, the static files, HTML errors for web paths and the live-update
hub to an app made by `flowdesk.api.app.create_app`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from flowdesk.web import errors
from flowdesk.web.live import BoardHub, InProcessBus, NoticeBus
from flowdesk.web.live_render import CardRenderer
from flowdesk.web.routes import analytics, create, items, moves, pages, stream
from flowdesk.web.templating import STATIC_DIR, make_environment

# Every router of the web pages (tests walk these to check each form route is protected).
ROUTERS = (pages.router, items.router, items.actions, moves.router, create.router,
           create.actions, stream.router, analytics.router)


def mount_web(app: FastAPI, bus: NoticeBus | None = None) -> None:
    """Serve the web pages from `app`. `bus` carries live-update notices (default, and the
    only bus built so far: this process only; see web/live.py)."""
    env = make_environment()
    app.state.web_templates = env
    hub = BoardHub(CardRenderer(app.state.uow, app.state.clock))
    bus = bus or InProcessBus()
    bus.subscribe(hub.handle)
    app.state.uow.listeners.append(bus.publish)
    app.state.board_hub = hub
    app.state.notice_bus = bus
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
