"""Health: is the server up and can it reach its database? Open to everyone, like the
OpenAPI document: a load balancer or a monitor asks without credentials."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from flowdesk.http.deps import UowDep

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"description": "the database cannot be reached"}})
def health(uow: UowDep) -> JSONResponse:
    try:
        with uow.read() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"},
                            status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
