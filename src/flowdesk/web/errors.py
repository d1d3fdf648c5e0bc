"""Errors on web pages become a friendly HTML message; the API keeps its JSON errors.

The API installs one handler per error type for every path. This wraps each of them: a path
under /api/ goes to the API's handler unchanged, and so does a web route a script calls for JSON
(marked by `deps.answer_errors_in_json`); any other path gets HTML (a fragment for a partial
request, else a page).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from flowdesk.api.errors import status_for
from flowdesk.domain.errors import FlowdeskError, Unauthenticated
from flowdesk.web.templating import is_htmx, render

log = logging.getLogger(__name__)

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
API_PREFIX = "/api/"

HEADINGS = {
    400: "That request was not understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    409: "That clashes with the current state",
    412: "Someone changed this meanwhile",
    413: "Too large",
    422: "Please check what was sent",
    500: "Something went wrong on our side",
}


def describe(exc: Exception) -> tuple[int, str, str]:
    """(status, code, message) for an error, in words a person can act on."""
    if isinstance(exc, FlowdeskError):
        return status_for(exc), exc.code, exc.message
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("path", "query",
                                                                               "body"))
        text = str(first.get("msg", "invalid request"))
        return 422, "invalid", f"{where}: {text}" if where else text
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 404:
            return 404, "not_found", "There is no page at this address."
        return exc.status_code, "http_error", str(exc.detail)
    return 500, "internal", "Nothing was changed. Please try again; if it keeps happening, " \
                            "tell whoever runs Flowdesk."


def html_error(request: Request, exc: Exception) -> Response:
    status, code, message = describe(exc)
    heading = HEADINGS.get(status, "That did not work")
    context = {"status": status, "code": code, "heading": heading, "message": message}
    if is_htmx(request):
        return render(request, "_error.html", context, status=status)
    return render(request, "error.html", context, status=status)


def to_sign_in(request: Request) -> Response:
    """Nobody is signed in: send the browser to sign in, and bring it back here afterwards
    (htmx follows HX-Redirect with a whole-page load)."""
    from flowdesk.web.routes.account import login_url

    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = login_url(back if request.method == "GET" and not is_htmx(request) else
                       request.headers.get("HX-Current-URL-Path", "/"))
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _branch(api_handler: Handler | None) -> Handler:
    async def handler(request: Request, exc: Any) -> Response:
        wants_json = (request.url.path.startswith(API_PREFIX)
                      or getattr(request.state, "json_errors", False))
        if isinstance(exc, Unauthenticated) and not wants_json:
            return to_sign_in(request)
        if wants_json and api_handler is not None:
            response = api_handler(request, exc)
            return await response if inspect.isawaitable(response) else response
        if not isinstance(exc, FlowdeskError | RequestValidationError | StarletteHTTPException):
            log.exception("unexpected error on a web page", exc_info=exc)
        return html_error(request, exc)
    return handler


def install(app: FastAPI) -> None:
    """Route errors on web paths to HTML, leaving the API's handlers in charge of /api/."""
    for exc_class in (FlowdeskError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_class, _branch(app.exception_handlers.get(exc_class)))
