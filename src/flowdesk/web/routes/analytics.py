"""The analytics page of a service: the charts are drawn in the browser from the charts API
(`/api/v1/services/{key}/metrics/charts`); the page carries the filters, kept in the URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.errors import InvalidInput
from flowdesk.http.deps import ActorDep, UowDep
from flowdesk.services import queries
from flowdesk.web.forms import QUERY_TEXT_MAX, FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class AnalyticsQuery:
    """The date range and filters from the page's URL."""

    start: date | None = None
    end: date | None = None
    type: str | None = None
    cos: str | None = None
    customer: str | None = None


def _day(reader: FormReader, name: str) -> date | None:
    text = reader.text(name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-03-31", field=name) from None


def _short_text(reader: FormReader, name: str) -> str | None:
    value = reader.optional_text(name)
    if value is not None and len(value) > QUERY_TEXT_MAX:
        raise InvalidInput(f"{name} is too long (at most {QUERY_TEXT_MAX} characters)", name)
    return value


def parse_analytics_query(reader: FormReader) -> AnalyticsQuery:
    """Read the page's URL; raises InvalidInput naming a bad date or class of service."""
    start, end = _day(reader, "from"), _day(reader, "to")
    if start is not None and end is not None and start > end:
        raise InvalidInput("from must be on or before to", field="from")
    cos = reader.cos("class_of_service")
    return AnalyticsQuery(start, end, _short_text(reader, "type"),
                          cos.value if cos else None, _short_text(reader, "customer"))


@router.get("/services/{key}/analytics", response_class=HTMLResponse)
def analytics_page(key: str, request: Request, uow: UowDep, actor: ActorDep) -> HTMLResponse:
    q = parse_analytics_query(FormReader(request.query_params))
    service = queries.get_service(uow, actor, key)
    return render(request, "analytics.html", {
        "service": service, "q": q, "classes": CLASS_ORDER,
        "board_url": f"/services/{service.key}/board",
        "page_url": f"/services/{service.key}/analytics",
    })
