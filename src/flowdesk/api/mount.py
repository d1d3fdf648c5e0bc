"""The API's part of the app: its routers under /api/v1, and the errors each route can answer
in the OpenAPI document. `flowdesk.app.create_app` mounts it beside the web pages."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from flowdesk.api.disconnect import ClientGone, client_gone
from flowdesk.api.openapi_links import add_links
from flowdesk.api.routers import (
    agreements,
    capacity,
    charts,
    demand,
    events,
    health,
    items,
    lifecycle,
    metrics,
    people,
    service_levels,
    services,
)
from flowdesk.api.schemas import ErrorOut
from flowdesk.http.deps import current_actor

ERRORS_OF_EVERY_ROUTE = {
    "401": "nobody signed in, or an unknown, expired or revoked token",
    "403": "a role or a token scope that may not do this",
    "404": "no such object, or one of a service you are not a member of",
    "414": "a query string longer than the server accepts",
    "422": "bad input: the message names the field",
}
ERRORS_OF_WRITES = {
    "400": "a body that cannot be parsed at all (not UTF-8 or nested too deep is a 422)",
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


def mount_api(app: FastAPI) -> None:
    """Serve the API from `app`, at /api/v1."""
    app.add_exception_handler(ClientGone, client_gone)
    # Every API route resolves the acting user, reads included (401 for nobody); the use
    # cases decide what that user may do. The OpenAPI document and its docs stay open.
    # The items router first: each request is matched against the routes in this order, and
    # a move, the hottest request, then skips the services router's routes.
    for router in (items.router, services.router, events.router, metrics.router,
                   charts.router, people.router, demand.router, capacity.router,
                   agreements.router, service_levels.router, lifecycle.router):
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(current_actor)])
    app.include_router(health.router, prefix="/api/v1")  # open: monitors ask without a token
    document_errors(app)
