"""Demand: when work arrives and what it is.

Arrivals are a non-homogeneous Poisson process whose rate is constant within each office hour
and shaped by the hour of day and the day of the week. Weekends bring only the rare expedite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.scenario import Outage, ServicePlan
from flowdesk.demo.words import CURRENCIES, fill, pick_agency
from flowdesk.domain.classes import ClassOfService

WEEKEND_HOURS = range(8, 20)  # when a weekend expedite may come in


@dataclass(frozen=True)
class Arrival:
    """One new piece of work, fully described before it reaches the use cases."""

    at: datetime
    service: str
    type: str
    work_factor: float
    cos: ClassOfService
    customer: str
    title: str
    description: str
    due_date: date | None


def arrivals(plan: ServicePlan, calendar: WorkCalendar, start: datetime, end: datetime,
             rng: random.Random, outage_day: date | None = None) -> list[Arrival]:
    """Every arrival for the service in [start, end), in time order. On `outage_day` the
    plan's outage (if it has one) holds the morning's arrivals back, then brings a surge."""
    demand = plan.demand
    total_weight = sum(demand.hour_weights.values())
    found: list[Arrival] = []
    day = calendar.local(start).date()
    outage = plan.outage
    while calendar.at(day, time(0)) < end:
        if calendar.is_working_day(day):
            factor = demand.weekday_factors[day.weekday()]
            rates = {h: demand.per_weekday * factor * w / total_weight
                     for h, w in demand.hour_weights.items()}
            expedite_only = False
        else:
            per_hour = demand.weekend_expedites_per_day / len(WEEKEND_HOURS)
            rates = {h: per_hour for h in WEEKEND_HOURS}
            expedite_only = True
        down = outage if outage is not None and day == outage_day else None
        for hour, rate in sorted(rates.items()):
            opens = calendar.at(day, time(hour))
            if down is not None and hour >= down.until.hour:
                rate *= down.surge
            for at in _poisson_times(opens, opens + timedelta(hours=1), rate, rng):
                if down is not None:
                    at = _held_back(at, calendar.at(day, down.until), down, rng)
                if start <= at < end:
                    found.append(_describe(plan, calendar, at, expedite_only, rng))
        day += timedelta(days=1)
    found.sort(key=lambda a: a.at)  # held-back arrivals come in after later ones were drawn
    return found


def _held_back(at: datetime, resume: datetime, outage: Outage,
               rng: random.Random) -> datetime:
    """When an arrival drawn during the outage gets through: at once for the few that do,
    else shortly after the feed is back."""
    if at >= resume or rng.random() < outage.kept:
        return at
    return resume + timedelta(seconds=rng.randint(0, outage.release_minutes * 60))


def _poisson_times(begin: datetime, end: datetime, per_hour: float,
                   rng: random.Random) -> list[datetime]:
    """Times of a Poisson process with a constant rate, to the second."""
    times: list[datetime] = []
    if per_hour <= 0:
        return times
    at = begin
    while True:
        at += timedelta(seconds=round(rng.expovariate(per_hour) * 3600))
        if at >= end:
            return times
        times.append(at)


def _describe(plan: ServicePlan, calendar: WorkCalendar, at: datetime, expedite_only: bool,
              rng: random.Random) -> Arrival:
    demand = plan.demand
    item_type = rng.choices(plan.types, weights=[t.weight for t in plan.types])[0]
    cos = ClassOfService.EXPEDITE if expedite_only else _pick_class(demand.classes, rng)
    agency = pick_agency(rng)
    today = calendar.local(at).date()
    amount = demand.typical_amount * rng.lognormvariate(0.0, 1.0)
    currency = rng.choice(CURRENCIES)
    title = fill(rng.choice(item_type.titles), rng, agency=agency, on=today, amount=amount,
                 currency=currency)
    due = None
    if cos is ClassOfService.FIXED_DATE:
        low, high = demand.fixed_date_days
        due = calendar.add_working_days(today, rng.randint(low, high))
    description = (
        f"From **{agency}**, received {calendar.local(at):%A %d %B %Y at %H:%M}.\n\n"
        f"Amount: {currency} {amount:,.2f}."
    )
    if due is not None:
        description += f"\n\nMust be done by **{due:%A %d %B}**."
    return Arrival(at=at, service=plan.key, type=item_type.name,
                   work_factor=item_type.work_factor, cos=cos, customer=agency, title=title,
                   description=description, due_date=due)


def _pick_class(shares: dict[ClassOfService, float], rng: random.Random) -> ClassOfService:
    draw = rng.random()
    for cos, share in shares.items():
        if draw < share:
            return cos
        draw -= share
    return ClassOfService.STANDARD
