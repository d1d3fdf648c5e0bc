"""Demand sensing for a service: today's inflow against the usual, the queue, the work mix;
the service's alert thresholds; and acknowledgements of its alerts.

The alerts are computed by `flowdesk.analytics.alerts` from the service's event log as of
the clock's now; `docs/metrics.md` ("Demand") defines each one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from flowdesk.analytics import baseline
from flowdesk.analytics.alerts import KINDS, WORKING_WEEKDAYS, Alert, demand_alerts
from flowdesk.analytics.demand import TodaySeries, today_against_usual
from flowdesk.domain.agreements import service_calendar
from flowdesk.domain.clock import Clock
from flowdesk.domain.demand import Thresholds
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.items import require_reason
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.services import analytics
from flowdesk.services.queries import readable_service_id
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import demand as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

THRESHOLD_NAMES = tuple(f.name for f in fields(Thresholds))


@dataclass(frozen=True)
class Acknowledgement:
    kind: str
    day: date
    note: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class DemandView:
    service_key: str
    timezone: str
    alerts: list[Alert]
    acknowledged: dict[str, Acknowledgement]  # by alert kind, today's
    today: TodaySeries
    thresholds: Thresholds


def demand(uow: UnitOfWork, actor: Actor, key: str, now: datetime) -> DemandView:
    """Today's demand alerts of the service, today's arrivals against the usual, and which
    alerts someone has acknowledged today."""
    source = analytics.from_service(uow, actor, key, now)
    assert source.service is not None
    service = source.service
    with uow.read() as conn:
        thresholds = _thresholds(conn, service.id)
        calendar = service_calendar(agreement_store.current_agreements(conn, service.id))
    flow = source.flow
    holidays = sorted(calendar.holidays) if calendar else []
    working_days = sorted(calendar.working_days) if calendar else WORKING_WEEKDAYS
    base = baseline(flow.arrived, flow.zone, flow.as_of, holidays)
    alerts = demand_alerts(flow, thresholds, base=base, holidays=holidays,
                           working_weekdays=working_days)
    with uow.read() as conn:
        acknowledged = _acknowledged(conn, service.id, service.local_date(now))
    return DemandView(service.key, service.timezone, alerts, acknowledged,
                      today_against_usual(flow.arrived, base, flow.as_of), thresholds)


def acknowledged_today(uow: UnitOfWork, actor: Actor, key: str,
                       now: datetime) -> dict[str, Acknowledgement]:
    """Today's acknowledgements of the service's alerts, by alert kind (one read: the web
    pages show them fresh next to alerts they keep for a while)."""
    with uow.read() as conn:
        service = repo.load_service(conn, readable_service_id(conn, actor, key))
        return _acknowledged(conn, service.id, service.local_date(now))


def _acknowledged(conn: Connection, service_id: int, day: date) -> dict[str, Acknowledgement]:
    return {
        r.kind: Acknowledgement(r.kind, r.day, r.note, r.actor, r.at)
        for r in store.acknowledgements_on(conn, service_id, day)
    }


def _thresholds(conn: Connection, service_id: int) -> Thresholds:
    return Thresholds(**store.stored_thresholds(conn, service_id))


def get_thresholds(uow: UnitOfWork, actor: Actor, key: str) -> Thresholds:
    with uow.read() as conn:
        return _thresholds(conn, readable_service_id(conn, actor, key))


def set_thresholds(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                   changes: dict[str, Any]) -> Thresholds:
    """Change some of the service's thresholds (the Service Delivery Manager's); the others
    keep their values. Refused as a whole, naming the threshold, when any is bad."""
    for name in changes:
        if name not in THRESHOLD_NAMES:
            raise InvalidInput(f"{name} is not a demand threshold", name)
    with uow.write() as conn:
        hidden = repo.no_service(key)
        service_id = readable_service_id(conn, actor, key)
        authorize(actor, Action.SERVICE_LEVELS, service_id, hidden=hidden)
        old = _thresholds(conn, service_id)
        new = Thresholds(**{**asdict(old), **changes})
        defaults = asdict(Thresholds())
        kept = {k: v for k, v in asdict(new).items() if v != defaults[k]}
        store.replace_thresholds(conn, service_id, kept)
        repo.append_event(
            conn, service_id=service_id, item_id=None, kind="demand_thresholds_changed",
            at=clock.now(), actor=actor.username,
            payload={"changes": {k: [getattr(old, k), getattr(new, k)] for k in changes}},
        )
        return new


def acknowledge(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, kind: str,
                note: str) -> Acknowledgement:
    """Record that someone has seen today's alert of this kind, and what is done about it."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", "kind")
    text = require_reason(note, "note", "an acknowledgement")
    now = clock.now()
    with uow.write() as conn:
        hidden = repo.no_service(key)
        service_id = readable_service_id(conn, actor, key)
        authorize(actor, Action.ACKNOWLEDGE_ALERT, service_id, hidden=hidden)
        service = repo.load_service(conn, service_id)
        day = service.local_date(now)
        store.add_acknowledgement(conn, service_id, kind, day, text, actor.username, now)
        repo.append_event(
            conn, service_id=service_id, item_id=None, kind="alert_acknowledged", at=now,
            actor=actor.username, reason=text, payload={"alert": kind, "day": day.isoformat()},
        )
        return Acknowledgement(kind, day, text, actor.username, now)
