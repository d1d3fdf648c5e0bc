"""Chart data for a service: every flow chart's numbers in one JSON document, the same the
web page draws and the report embeds."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from flowdesk.analytics.charts import MAX_FORECAST_DAYS
from flowdesk.domain.classes import ClassOfService
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.reporting.data import DEFAULT_SEED, MAX_FORECAST_COUNT, chart_data
from flowdesk.services import analytics

router = APIRouter(tags=["metrics"])

# Any text names a filter value (one nobody uses selects nothing), except a NUL character.
Text = Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")]


@router.get("/services/{key}/metrics/charts", response_class=JSONResponse,
            responses={200: {"description": "the chart payload (see docs/metrics.md)"}})
def get_charts(
    key: str,
    uow: UowDep,
    clock: ClockDep,
    actor: ActorDep,
    start: Annotated[date | None, Query(alias="from", description="first day (included)")] = None,
    end: Annotated[date | None, Query(alias="to", description="last day (included)")] = None,
    type: Text = None,
    class_of_service: Annotated[ClassOfService | None, Query()] = None,
    customer: Text = None,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = DEFAULT_SEED,
    forecast_days: Annotated[int | None, Query(ge=1, le=MAX_FORECAST_DAYS)] = None,
    forecast_count: Annotated[int | None, Query(ge=1, le=MAX_FORECAST_COUNT)] = None,
) -> JSONResponse:
    """Every chart of the service's flow for a period (default: from the first arrival to
    today), sliced by type, class of service and customer. Dates are in the service's time
    zone; `docs/metrics.md` defines each number. The forecasts use `seed`, so the same data
    and seed give the same answer."""
    source = analytics.from_service(uow, actor, key, clock.now())
    where = analytics.where_of({
        "type": type, "customer": customer,
        "class_of_service": class_of_service.value if class_of_service else None,
    })
    data = chart_data(source, start, end, where, seed=seed, forecast_days=forecast_days,
                      forecast_count=forecast_count)
    # Already plain JSON types: serialised directly, not validated again item by item (a
    # long history has tens of thousands of points, and that check took most of the time).
    return JSONResponse(data)
