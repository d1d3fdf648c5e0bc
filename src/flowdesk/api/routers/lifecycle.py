"""A service's life: archive it, restore it, delete it (an admin, typing its key)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from flowdesk.api.schemas import DeletedOut, DeleteServiceIn, ServiceOut
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import export, lifecycle

router = APIRouter(tags=["services"])


@router.post("/services/{key}/archive", response_model=ServiceOut)
def archive_service(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> ServiceOut:
    """Archive the service: read-only (every change answers 409) and left out of the
    services list; its board, history and analytics stay readable."""
    return ServiceOut.of(lifecycle.archive_service(uow, clock, actor, key))


@router.post("/services/{key}/restore", response_model=ServiceOut)
def restore_service(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> ServiceOut:
    """Restore an archived service."""
    return ServiceOut.of(lifecycle.restore_service(uow, clock, actor, key))


@router.delete("/services/{key}", response_model=DeletedOut)
def delete_service(key: str, body: DeleteServiceIn, uow: UowDep,
                   actor: ActorDep) -> DeletedOut:
    """Delete the service and its whole history, for good: only an organisation admin, who
    types the service's key in `confirm`. Export its event log first
    (`GET /services/{key}/export`)."""
    gone = lifecycle.delete_service(uow, actor, key, body.confirm)
    return DeletedOut(key=gone.key, items=gone.items, events=gone.events, rows=gone.rows)


MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get("/services/{key}/export", response_class=StreamingResponse,
            responses={200: {"content": {MEDIA["csv"]: {}, MEDIA["jsonl"]: {}},
                             "description": "the event log, oldest first"}})
def export_events(key: str, uow: UowDep, actor: ActorDep,
                  fmt: Literal["csv", "jsonl"] = Query("csv", alias="format")
                  ) -> StreamingResponse:
    """The service's whole event log as a file, oldest first: what `flowdesk export` writes."""
    lines = export.export_lines(uow, actor, key, fmt)
    name = key.upper() if key.isalnum() else "service"
    return StreamingResponse(lines, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}-events.{fmt}"'})
