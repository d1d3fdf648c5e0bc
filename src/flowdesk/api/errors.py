"""Domain errors to HTTP, in one place. Body: {"error": code, "message": text, "field": name}."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
    extra: dict[str, Any] = {}
    if isinstance(error, WipLimitExceeded):
        extra["violations"] = [v.as_dict() for v in error.violations]
    if isinstance(error, StaleVersion):
        extra["current_version"] = error.actual
    if isinstance(error, StagesHoldItems):
        extra["items"] = error.blocking
    return JSONResponse(
        error_body(error.code, error.message, error.field, **extra),
        status_code=status_for(error), headers=error_headers(error),
    )


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


def install(app: FastAPI) -> None:
    @app.exception_handler(FlowdeskError)
    async def _domain(_request: Request, exc: FlowdeskError) -> JSONResponse:
        return flowdesk_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":  # loc holds a character offset, not a field
            where = first.get("loc", ())[-1:] or ("?",)
            ctx = first.get("ctx")
            detail = ctx.get("error", "") if isinstance(ctx, dict) else ""
            message = f"the body is not valid JSON (at character {where[0]}): {detail}"
            return JSONResponse(error_body("invalid", message.rstrip(": "), None),
                                status_code=422)
        field = _field_name(first.get("loc", ()))
        message = str(first.get("msg", "invalid request"))
        text = f"{field}: {message}" if field else message
        return JSONResponse(error_body("invalid", text, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail), None),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            error_body("internal", "something went wrong on our side; nothing was changed", None),
            status_code=500,
        )
