"""Demand: today's alerts and arrivals against the usual; thresholds; acknowledgements."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictFloat, StrictInt

from flowdesk.api.schemas import Strict
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import demand as uc

router = APIRouter(tags=["demand"])


class AcknowledgementOut(BaseModel):
    kind: str
    day: date
    note: str
    actor: str
    at: datetime


class AlertOut(BaseModel):
    kind: str
    severity: str
    sentence: str
    figures: dict[str, int | float | str]
    acknowledged: AcknowledgementOut | None


class TodayOut(BaseModel):
    weekday: int = Field(description="0 Monday ... 6 Sunday, in the service's time zone")
    hour: int = Field(description="the local hour under way")
    labels: list[str] = Field(description="00:00 ... 24:00")
    actual: list[int] = Field(description="arrivals today before each whole hour so far")
    so_far: int
    usual: list[float] = Field(description="the baseline: usual arrivals before each hour")
    spread: list[float] = Field(description="its median absolute deviation")


class ThresholdsOut(BaseModel):
    drop_at: float
    drop_critical_at: float
    surge_at: float
    surge_critical_at: float
    min_usual: float
    queue_days: int
    queue_critical_days: int
    mix_points: float
    mix_warning_points: float
    mix_min_items: int
    mix_days: int


Ratio = StrictFloat | None  # a whole number is a number too
RATIO = Field(default=None, gt=0, le=100)
DAYS = Field(default=None, ge=1, le=366)


class ThresholdsIn(BaseModel):
    """Any of the thresholds; the domain checks each is positive and the pairs in order."""

    model_config = Strict
    drop_at: Ratio = RATIO
    drop_critical_at: Ratio = RATIO
    surge_at: Ratio = RATIO
    surge_critical_at: Ratio = RATIO
    min_usual: Ratio = Field(default=None, gt=0, le=1_000_000)
    queue_days: StrictInt | None = DAYS
    queue_critical_days: StrictInt | None = DAYS
    mix_points: Ratio = Field(default=None, gt=0, le=1)
    mix_warning_points: Ratio = Field(default=None, gt=0, le=1)
    mix_min_items: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    mix_days: StrictInt | None = DAYS


class DemandOut(BaseModel):
    service: str
    timezone: str = Field(description="local days and hours are in this zone")
    alerts: list[AlertOut] = Field(description="most severe first")
    today: TodayOut
    thresholds: ThresholdsOut


class AcknowledgeIn(BaseModel):
    model_config = Strict
    kind: str = Field(min_length=1, max_length=32)
    note: str = Field(min_length=1, max_length=1_000)


def _ack(found: uc.Acknowledgement | None) -> AcknowledgementOut | None:
    return None if found is None else AcknowledgementOut(**asdict(found))


@router.get("/services/{key}/demand", response_model=DemandOut)
def get_demand(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> DemandOut:
    """Today's demand alerts (inflow far from usual so far, a growing queue, a sudden change
    in the work mix) and the hourly series of today against the baseline."""
    view = uc.demand(uow, actor, key, clock.now())
    today = view.today
    return DemandOut(
        service=view.service_key, timezone=view.timezone,
        alerts=[AlertOut(kind=a.kind, severity=a.severity, sentence=a.sentence,
                         figures=dict(a.figures), acknowledged=_ack(view.acknowledged.get(a.kind)))
                for a in view.alerts],
        today=TodayOut(weekday=today.weekday, hour=today.hour, labels=today.labels,
                       actual=today.actual.tolist(), so_far=today.so_far,
                       usual=today.usual.tolist(), spread=today.spread.tolist()),
        thresholds=ThresholdsOut(**asdict(view.thresholds)),
    )


@router.put("/services/{key}/demand/thresholds", response_model=ThresholdsOut)
def set_thresholds(key: str, body: ThresholdsIn, uow: UowDep, clock: ClockDep,
                   actor: ActorDep) -> ThresholdsOut:
    """Change some thresholds; the rest keep their values (`docs/metrics.md`, "Demand")."""
    changes = body.model_dump(exclude_none=True)
    return ThresholdsOut(**asdict(uc.set_thresholds(uow, clock, actor, key, changes)))


@router.post("/services/{key}/demand/acknowledgements", response_model=AcknowledgementOut,
             status_code=201)
def acknowledge(key: str, body: AcknowledgeIn, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> AcknowledgementOut:
    """Say that today's alert of this kind has been seen, and what is done about it."""
    found = uc.acknowledge(uow, clock, actor, key, body.kind, body.note)
    return AcknowledgementOut(**asdict(found))
