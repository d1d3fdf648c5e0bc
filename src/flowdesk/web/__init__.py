"""The web board: server-rendered pages, htmx partials, drag and drop, live updates.

`mount_web(app)` adds the pages, the static files and the live-update hub and bus to an app made
by `flowdesk.app.create_app` (whose lifespan starts and closes the bus, and whose one error
handler renders errors on web paths with `web/errors.py`).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from flowdesk.http.deps import current_actor
from flowdesk.web.deps import answer_errors_in_json
from flowdesk.web.live import BoardHub, InProcessBus, NoticeBus
from flowdesk.web.live_render import CardRenderer
from flowdesk.web.routes import (
    account,
    admin_users,
    agreements,
    analytics,
    api_docs,
    create,
    demand,
    items,
    me,
    moves,
    pages,
    people,
    skills,
    stream,
)
from flowdesk.web.templating import STATIC_DIR, make_environment

# Every router of the web pages that needs someone signed in (tests walk these to check each
# form route is protected), and the ones open to anyone (signing in).
ROUTERS = (pages.router, items.router, items.actions, moves.router, create.router,
           create.actions, stream.router, analytics.router, account.router, account.actions,
           people.router, people.actions, admin_users.router, admin_users.actions, me.router,
           me.actions, demand.router, demand.actions, skills.router, skills.actions,
           agreements.router, agreements.actions)
PUBLIC_ROUTERS = (account.public, api_docs.router)


def notice_bus_for(engine: Engine) -> NoticeBus:
    """The live-update bus for the database: PostgreSQL `LISTEN/NOTIFY` between the server's
    processes, or this process only on SQLite (which serves from one process)."""
    if engine.dialect.name == "postgresql":
        from flowdesk.web.pgbus import PostgresBus

        return PostgresBus(engine.url.render_as_string(hide_password=False))
    return InProcessBus()


def mount_web(app: FastAPI, bus: NoticeBus | None = None) -> None:
    """Serve the web pages from `app`. `bus` carries live-update notices (default: the one for
    the app's database, `notice_bus_for`; see web/live.py). It is not started here: the app's
    lifespan starts and closes it."""
    env = make_environment()
    app.state.web_templates = env
    hub = BoardHub(CardRenderer(app.state.uow, app.state.clock))
    bus = bus or notice_bus_for(app.state.engine)
    bus.subscribe(hub.handle, on_missed=hub.resync_all)
    app.state.uow.listeners.append(bus.publish)
    app.state.board_hub = hub
    app.state.notice_bus = bus
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in ROUTERS:  # nobody signed in: sent to the sign-in page (web/errors.py)
        # ... or, on a route a script calls, a 401 in JSON: it must say so before anyone is
        # asked who they are (an include's dependencies run before the router's own).
        json_first = [d for d in router.dependencies if d.dependency is answer_errors_in_json]
        app.include_router(router, dependencies=[*json_first, Depends(current_actor)])
