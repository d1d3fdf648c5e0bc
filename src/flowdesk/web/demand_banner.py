"""Demand alerts as a banner: on the board and on the services page.

Computing the alerts reads the service's whole arrival history, so, as for the board's flow
hints (`web/hints.py`), the last alerts computed for a service are kept and reused while nothing
has happened since, or for up to REFRESH while things happen; a new local hour always recomputes
(the inflow alert compares the arrivals before each whole hour). Acknowledgements are read fresh
on every render (one small query): someone who acknowledges an alert sees it settle at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from flowdesk.analytics.alerts import Alert
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Service
from flowdesk.services import demand
from flowdesk.services.demand import Acknowledgement
from flowdesk.services.queries import latest_event_id
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.abilities import demand_can

log = logging.getLogger(__name__)

REFRESH = timedelta(minutes=1)
KIND_LABELS = {"inflow_drop": "Inflow drop", "inflow_surge": "Inflow surge",
               "queue_growing": "Queue growing", "mix_shift": "Work mix shift"}


@dataclass(frozen=True)
class AlertLine:
    """One alert as the banner shows it, with today's acknowledgement of its kind if any."""

    kind: str
    severity: str
    sentence: str
    acknowledged: Acknowledgement | None
    acknowledged_at: str = ""  # its local time, 09:40

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Banner:
    """A service's alerts for today: those still open first (they nag), then the ones someone
    acknowledged (shown collapsed, with who and their note)."""

    key: str
    lines: tuple[AlertLine, ...] = ()
    can_acknowledge: bool = False

    @property
    def open(self) -> list[AlertLine]:
        return [line for line in self.lines if line.acknowledged is None]

    @property
    def settled(self) -> list[AlertLine]:
        return [line for line in self.lines if line.acknowledged is not None]

    @property
    def worst(self) -> str:
        """The severity of the worst open alert ("" when none is open)."""
        return self.open[0].severity if self.open else ""


@dataclass(frozen=True)
class _Cached:
    alerts: tuple[Alert, ...]
    last_event: int
    computed_at: datetime
    hour: datetime  # the local whole hour the alerts were computed in


_latest: WeakKeyDictionary[UnitOfWork, dict[str, _Cached]] = WeakKeyDictionary()


def _local_hour(now: datetime, timezone: str) -> datetime:
    return now.astimezone(ZoneInfo(timezone)).replace(minute=0, second=0, microsecond=0)


def current_alerts(uow: UnitOfWork, actor: Actor, service: Service, now: datetime,
                   last_event: int | None = None) -> tuple[Alert, ...]:
    """The service's alerts as of `now`, from the cache when still good (see the module's
    docstring). A history the analytics cannot read gives no alerts rather than no page.
    `last_event`: the service's newest event id, when the caller has read it already."""
    key = service.key.upper()
    cached = _latest.get(uow, {}).get(key)
    if last_event is None:
        last_event = latest_event_id(uow, key)
    hour = _local_hour(now, service.timezone)
    if cached is not None and cached.hour == hour and now >= cached.computed_at and (
            cached.last_event == last_event or now - cached.computed_at < REFRESH):
        return cached.alerts
    try:
        alerts = tuple(demand.demand(uow, actor, key, now).alerts)
    except (ValueError, KeyError):
        log.exception("no demand alerts for service %s", key)
        alerts = ()
    _latest.setdefault(uow, {})[key] = _Cached(alerts, last_event, now, hour)
    return alerts


def banner_of(service: Service, alerts: Sequence[Alert],
              acknowledged: Mapping[str, Acknowledgement], can_acknowledge: bool) -> Banner:
    zone = ZoneInfo(service.timezone)
    lines = [AlertLine(a.kind, a.severity, a.sentence, acknowledged.get(a.kind),
                       _at(acknowledged.get(a.kind), zone)) for a in alerts]
    return Banner(service.key, tuple(lines), can_acknowledge)


def _at(found: Acknowledgement | None, zone: ZoneInfo) -> str:
    return "" if found is None else f"{found.at.astimezone(zone):%H:%M}"


def demand_banner(uow: UnitOfWork, actor: Actor, service: Service, now: datetime,
                  last_event: int | None = None) -> Banner:
    """The banner of a service the actor may read: its alerts and today's acknowledgements."""
    alerts = current_alerts(uow, actor, service, now, last_event)
    if not alerts:
        return Banner(service.key)
    acknowledged = demand.acknowledged_today(uow, actor, service.key, now)
    return banner_of(service, alerts, acknowledged,
                     demand_can(actor, service.id)["acknowledge"])
