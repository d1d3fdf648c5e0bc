"""Errors to HTTP, in one place, for the API and the web pages alike.

One handler answers every error: `describe` maps it to a status, a code and a message once
(domain errors by `STATUS`); the request then chooses the form. JSON, the body
{"error": code, "message": text, "field": name}, for a path under /api/, a web route a script
calls (marked by `flowdesk.web.deps.answer_errors_in_json`) or a client that accepts JSON and not
HTML; else HTML from the page renderer the web edge gives `install` (and, for nobody signed in,
its sign-in redirect).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from flowdesk.domain.errors import (
    Conflict,
    FlowdeskError,
    Forbidden,
    InvalidInput,
    NotFound,
    StaleVersion,
    TooManyAttempts,
    Unauthenticated,
    WipLimitExceeded,
)
from flowdesk.domain.workflow_change import StagesHoldItems

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthenticated: 401,
    TooManyAttempts: 429,
    Conflict: 409,
    WipLimitExceeded: 409,
    StaleVersion: 412,
}


def status_for(error: FlowdeskError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, field: str | None, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, "field": field, **extra}


def flowdesk_error_response(error: FlowdeskError) -> JSONResponse:
    """A domain error's JSON answer (a route that answers a script itself uses it)."""
    return json_error(describe(error))


def error_headers(error: FlowdeskError) -> dict[str, str]:
    """Headers an error's status calls for: how to authenticate, when to come back."""
    if isinstance(error, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="flowdesk"'}
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after)}
    return {}


def _field_name(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


class Described(NamedTuple):
    """An error as HTTP sees it, whatever form the answer takes."""

    status: int
    code: str
    message: str
    field: str | None = None
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    expected: bool = True  # False: a fault of ours, logged


def describe(exc: Exception) -> Described:
    """The one mapping of an error to (status, code, message, field, ...)."""
    if isinstance(exc, FlowdeskError):
        extra: dict[str, Any] = {}
        if isinstance(exc, WipLimitExceeded):
            extra["violations"] = [v.as_dict() for v in exc.violations]
        if isinstance(exc, StaleVersion):
            extra["current_version"] = exc.actual
        if isinstance(exc, StagesHoldItems):
            extra["items"] = exc.blocking
        return Described(status_for(exc), exc.code, exc.message, exc.field, extra,
                         error_headers(exc))
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # loc holds a character offset, not a field
            where = first.get("loc", ())[-1:] or ("?",)
            ctx = first.get("ctx")
            detail = ctx.get("error", "") if isinstance(ctx, dict) else ""
            message = f"the body is not valid JSON (at character {where[0]}): {detail}"
            return Described(422, "invalid", message.rstrip(": "))
        field = _field_name(first.get("loc", ()))
        message = str(first.get("msg", "invalid request"))
        return Described(422, "invalid", f"{field}: {message}" if field else message, field)
    if isinstance(exc, StarletteHTTPException):
        unreadable = _unreadable_body(exc)
        if unreadable is not None:
            return Described(422, "invalid", unreadable)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error")
        return Described(exc.status_code, code, str(exc.detail),
                         headers=dict(exc.headers or {}))
    return Described(500, "internal", "something went wrong on our side; nothing was changed",
                     expected=False)


def _unreadable_body(exc: StarletteHTTPException) -> str | None:
    """Say why a JSON body could not be decoded. FastAPI answers a bare 400 "error parsing
    the body" for anything but a syntax error; the exception it raised from says which."""
    cause = exc.__cause__
    if exc.status_code != 400:
        return None
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start]
        return (f"the body is not valid UTF-8: byte {byte:#04x} at position {cause.start} "
                "(send JSON encoded as UTF-8)")
    if isinstance(cause, RecursionError):
        return "the body is nested too deeply to read: keep JSON to a few levels"
    return None


def json_error(described: Described) -> JSONResponse:
    return JSONResponse(
        error_body(described.code, described.message, described.field, **described.extra),
        status_code=described.status, headers=described.headers,
    )


API_PREFIX = "/api/"


def wants_json(request: Request) -> bool:
    """Whether the caller gets errors as JSON (see the module's docstring)."""
    if request.url.path.startswith(API_PREFIX) or getattr(request.state, "json_errors", False):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


PageRenderer = Callable[[Request, Exception, Described], Response]
SignIn = Callable[[Request], Response]


def install(app: FastAPI, page: PageRenderer, sign_in: SignIn) -> None:
    """Answer every error of `app` through `handle`: `page` renders the HTML form of an error,
    `sign_in` answers a web request from nobody signed in."""

    async def handle(request: Request, exc: Exception) -> Response:
        described = describe(exc)
        if not described.expected:
            log.exception("unexpected error", exc_info=exc)
        if wants_json(request):
            return json_error(described)
        if isinstance(exc, Unauthenticated):
            return sign_in(request)
        return page(request, exc, described)

    for exc_class in (FlowdeskError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(exc_class, handle)
