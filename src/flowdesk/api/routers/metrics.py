"""Flow metrics and forecasts for a service: the numbers the CLI prints, as JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from flowdesk.analytics import Where
from flowdesk.api.disconnect import until_disconnected
from flowdesk.api.metrics_schemas import (
    ForecastOut,
    ItemRowOut,
    MetricsOut,
    MissedPromisesOut,
    OnTimeOut,
)
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import analytics, promise_views

router = APIRouter(tags=["metrics"])


def slice_filters(
    type: Annotated[str | None, Query(max_length=120, description="only this item type")] = None,
    class_of_service: Annotated[str | None, Query(max_length=40)] = None,
    customer: Annotated[str | None, Query(max_length=120)] = None,
    team: Annotated[str | None, Query(max_length=120)] = None,
) -> Where | None:
    return analytics.where_of({"type": type, "class_of_service": class_of_service,
                               "customer": customer, "team": team})


WhereDep = Annotated[Where | None, Depends(slice_filters)]
FromDay = Annotated[date | None, Query(alias="from", description="first day, included")]
ToDay = Annotated[date | None, Query(alias="to", description="last day, included")]


@router.get("/services/{key}/metrics", response_model=MetricsOut)
def service_metrics(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep, where: WhereDep,
                    start: FromDay = None, end: ToDay = None) -> dict[str, Any]:
    """Lead time, throughput, arrivals, WIP, aging, flow efficiency, blockers, SLE, rework:
    `docs/metrics.md` defines each."""
    source = analytics.from_service(uow, actor, key, clock.now(), with_promises=True)
    return analytics.metrics(source, start, end, where)


@router.get("/services/{key}/metrics/items", response_model=list[ItemRowOut])
def service_metric_items(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
                         where: WhereDep) -> list[dict[str, Any]]:
    """One row per item: arrival, commitment, delivery, lead times, blocked days, state."""
    source = analytics.from_service(uow, actor, key, clock.now())
    return analytics.item_rows(source, where)


@router.get("/services/{key}/metrics/on-time", response_model=OnTimeOut)
def service_on_time(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
                    threshold: Annotated[float, Query(ge=0, le=1)] = analytics.RISK_THRESHOLD,
                    ) -> dict[str, Any]:
    """Due and at risk: every open item with a due date or an agreement's due time, scored
    by P(done by the due day | its age), riskiest first; `at_risk` below `threshold`
    (`docs/metrics.md`, "Breach risk"). Due times are in the service's `timezone`."""
    return promise_views.risk_json(
        promise_views.due_and_at_risk(uow, actor, key, clock.now(), threshold))


@router.get("/services/{key}/metrics/missed-promises", response_model=MissedPromisesOut)
def service_missed_promises(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
                            start: FromDay = None, end: ToDay = None) -> dict[str, Any]:
    """Items delivered in the period after their due time, latest first, each with what
    delayed it: days per state, blocked days by category, waiting and active days. Times
    are in the service's `timezone`."""
    return promise_views.missed_json(
        promise_views.missed(uow, actor, key, clock.now(), start, end))


@router.get("/services/{key}/forecast", response_model=ForecastOut)
async def service_forecast(
    key: str, request: Request, uow: UowDep, clock: ClockDep, actor: ActorDep, where: WhereDep,
    how_many_by: Annotated[date | None, Query(description="how many done by this date?")] = None,
    when: Annotated[int | None, Query(ge=1, le=analytics.MAX_WHEN,
                                      description="when will this many be done?")] = None,
    window_days: Annotated[int, Query(ge=1, le=3650)] = analytics.DEFAULT_WINDOW_DAYS,
    trials: Annotated[int, Query(ge=1, le=analytics.MAX_TRIALS)] = analytics.DEFAULT_TRIALS,
    seed: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> dict[str, Any]:
    """Monte Carlo from daily throughput. 85% for how-many means at least N (ActionableAgile's
    convention); 85% for when means on or before the date. A forecast runs for at most a few
    seconds, and stops when the client goes away."""
    budget = analytics.Budget()

    def run() -> dict[str, Any]:
        source = analytics.from_service(uow, actor, key, clock.now())
        return analytics.forecast(source, how_many_by_date=how_many_by, when_count=when,
                                  window_days=window_days, trials=trials, seed=seed,
                                  where=where, budget=budget)

    return await until_disconnected(request, budget.cancelled, run)
