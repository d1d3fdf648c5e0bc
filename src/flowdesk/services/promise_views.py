"""Two read models of a service's promises, for the API and the web:

- **due and at risk**: every open item with a due date or an agreement's due time, scored
  by the on-time probability (`analytics.on_time_risks`), riskiest first;
- **missed promises**: the items delivered in a period after their due time, each with
  what delayed it (time per state, blocked time by category, waiting time), the assignable
  causes for the Service Delivery Review.

Times are in the service's zone, and each view names it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flowdesk.analytics.arrays import NEVER
from flowdesk.analytics.promises import Missed, Target, missed_promises
from flowdesk.analytics.timezones import from_us
from flowdesk.domain.people import Actor
from flowdesk.services import analytics
from flowdesk.services.queries import readable_service
from flowdesk.services.risk_scores import Score, scores
from flowdesk.storage import risk_rows
from flowdesk.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RiskRow:
    key: str
    title: str
    state: str | None
    committed: bool
    due: str  # ISO: a due time with its offset, or a due date
    due_label: str  # "Tue 8 Dec 17:00", or "Tue 8 Dec" for a due date
    probability: float
    at_risk: bool
    age_days: int
    basis: str


@dataclass(frozen=True)
class RiskView:
    service_key: str
    service_name: str
    timezone: str
    threshold: float
    total: int  # open items with a due date or due time
    at_risk: int  # of them, below the threshold
    offset: int  # how many riskier ones come before `rows`
    rows: list[RiskRow]  # riskiest first: lowest probability, then the earliest due


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def label_of(moment: datetime) -> str:
    """A local time as people write it: "Tue 8 Dec 17:00"."""
    return f"{_date_label(moment.date())} {moment.hour:02d}:{moment.minute:02d}"


def _date_label(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _titles(uow: UnitOfWork, keys: Iterable[str]) -> dict[str, str]:
    with uow.read() as conn:
        return risk_rows.titles_by_key(conn, keys)


def due_and_at_risk(uow: UnitOfWork, actor: Actor, key: str, now: datetime,
                    threshold: float = analytics.RISK_THRESHOLD, offset: int = 0,
                    limit: int | None = None) -> RiskView:
    """The open items with a due date or due time, riskiest first (lowest chance, then the
    earliest due): all of them, or `limit` from `offset` on, with the counts of all. Read
    from current state (`services.risk_scores`), in one transaction."""
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        found = scores(conn, service, now, threshold)
    rows = [_risk_row(score) for score in found.riskiest(offset, limit)]
    return RiskView(service.key, service.name, service.timezone, threshold, len(found),
                    found.at_risk_count, offset, rows)


def _risk_row(score: Score) -> RiskRow:
    due = score.due
    if isinstance(due, datetime):
        iso, label = due.isoformat(), label_of(due)
    else:
        iso, label = due.isoformat(), _date_label(due)
    return RiskRow(score.key, score.title, score.state, score.committed, iso, label,
                   score.probability, score.at_risk, score.age_days, score.basis)


def risk_json(view: RiskView) -> dict[str, Any]:
    return {
        "service": view.service_key, "timezone": view.timezone, "threshold": view.threshold,
        "at_risk": view.at_risk,
        "items": [{"key": r.key, "title": r.title, "state": r.state, "committed": r.committed,
                   "due": r.due, "probability": round(r.probability, 6), "at_risk": r.at_risk,
                   "age_days": r.age_days, "basis": r.basis} for r in view.rows],
    }


@dataclass(frozen=True)
class MissedRow:
    """A missed promise as people read it: the item, the promise, and its times in the
    service's zone; what delayed it (days late, per state, blocked, waiting) is `delay`."""

    key: str
    title: str
    target: str  # the promise it was held to ("" for a due date only)
    agreement: tuple[int, int] | None
    arrived: datetime  # local times, in the service's zone
    committed: datetime | None
    delivered: datetime
    due: datetime
    delay: Missed


@dataclass(frozen=True)
class MissedView:
    service_key: str
    service_name: str
    timezone: str
    start: date
    end: date
    rows: list[MissedRow]  # the latest first


def missed(uow: UnitOfWork, actor: Actor, key: str, now: datetime,
           start: date | None = None, end: date | None = None) -> MissedView:
    """The items delivered in the period (by default the whole history) after their due
    time, with what delayed each."""
    source = analytics.from_service(uow, actor, key, now, with_promises=True)
    assert source.service is not None and source.promises is not None
    chosen = analytics.period(source, start, end)
    found = missed_promises(source.flow, chosen, source.promises)
    names = source.flow.timeline.items
    keys = [str(names[m.item]) for m in found]
    titles = _titles(uow, keys)
    zone = ZoneInfo(source.service.timezone)
    rows = [_row(source.promises.targets, m, k, titles.get(k, ""), zone, source)
            for m, k in zip(found, keys, strict=True)]
    return MissedView(source.service.key, source.service.name, source.service.timezone,
                      chosen.start, chosen.end, rows)


def _local(us: int, zone: ZoneInfo) -> datetime:
    return from_us(us).astimezone(zone)


def _row(targets: tuple[Target, ...], m: Missed, key: str, title: str, zone: ZoneInfo,
         source: analytics.FlowSource) -> MissedRow:
    assert source.promises is not None
    index = int(source.promises.target[m.item])
    about = targets[index].about if index >= 0 else {}
    agreement = about.get("agreement")
    return MissedRow(
        key=key, title=title, target=targets[index].text if index >= 0 else "",
        agreement=None if not agreement else (int(agreement["id"]), int(agreement["version"])),
        arrived=_local(m.arrived, zone),
        committed=None if m.committed == NEVER else _local(m.committed, zone),
        delivered=_local(m.delivered, zone), due=_local(m.due, zone), delay=m)


def missed_json(view: MissedView) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {
        "service": view.service_key, "timezone": view.timezone,
        "period": {"start": view.start.isoformat(), "end": view.end.isoformat()},
        "count": len(view.rows),
        "items": [{
            "key": r.key, "title": r.title, "target": r.target or None,
            "agreement": None if r.agreement is None
            else {"id": r.agreement[0], "version": r.agreement[1]},
            "arrived_at": iso(r.arrived), "committed_at": iso(r.committed),
            "delivered_at": iso(r.delivered), "due_at": iso(r.due),
            "late_days": round(r.delay.late_days, 6),
            "time_in_state_days": r.delay.states,
            "blocked_days_by_category": r.delay.blocked,
            "blocked_days": r.delay.blocked_days, "waiting_days": r.delay.waiting_days,
            "active_days": r.delay.active_days,
        } for r in view.rows],
    }
