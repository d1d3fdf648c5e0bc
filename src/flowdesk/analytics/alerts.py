"""Demand alerts: inflow far from usual so far today, a queue growing for working days in
a row, and a sudden change in the work mix (``docs/metrics.md``, "Demand").

Each alert carries its figures and a sentence for people. The thresholds are read from
any object with the fields of :class:`AlertThresholds`; ``flowdesk.domain.demand``'s
``Thresholds`` is the validated one with the documented defaults (this library imports
nothing outside numpy and itself, so it names the fields and leaves the checking there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import numpy as np

from flowdesk.analytics.arrays import I64
from flowdesk.analytics.demand import (
    DEFAULT_WEEKS,
    WEEKDAYS,
    Baseline,
    arrivals_today,
    baseline,
    daily_counts,
    day_of,
)
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.mix import work_mix
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timezones import Zone, date_to_day, day_to_date

Kind = Literal["inflow_drop", "inflow_surge", "queue_growing", "mix_shift"]
Severity = Literal["info", "warning", "critical"]
Figure = int | float | str

KINDS: tuple[Kind, ...] = ("inflow_drop", "inflow_surge", "queue_growing", "mix_shift")
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")  # most severe first
#: Monday to Friday.
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)
#: How far back (in days) a growing queue is traced.
QUEUE_LOOKBACK_DAYS = 91


class AlertThresholds(Protocol):
    """The thresholds the alerts read (see ``flowdesk.domain.demand.Thresholds``)."""

    @property
    def drop_at(self) -> float: ...
    @property
    def drop_critical_at(self) -> float: ...
    @property
    def surge_at(self) -> float: ...
    @property
    def surge_critical_at(self) -> float: ...
    @property
    def min_usual(self) -> float: ...
    @property
    def queue_days(self) -> int: ...
    @property
    def queue_critical_days(self) -> int: ...
    @property
    def mix_points(self) -> float: ...
    @property
    def mix_warning_points(self) -> float: ...
    @property
    def mix_min_items(self) -> int: ...
    @property
    def mix_days(self) -> int: ...


@dataclass(frozen=True)
class Alert:
    """One demand alert: what, how severe, the numbers behind it and a sentence."""

    kind: Kind
    severity: Severity
    figures: Mapping[str, Figure]
    sentence: str


def _number(value: float) -> str:
    """Return a count as people write it: 40, 40.5."""
    return f"{value:g}" if value != int(value) else str(int(value))


def inflow_alert(arrived: I64, base: Baseline, now: int,
                 thresholds: AlertThresholds) -> Alert | None:
    """Return the inflow alert for today so far, or None.

    Arrivals before the current whole hour (h:00) are compared with the baseline's usual
    arrivals before h:00 on the same weekday; the hour under way is left out, as it is
    only partly over. No alert before 01:00, on a holiday, or while fewer than
    ``min_usual`` arrivals are usual by then.
    """
    if day_of(base.zone, now) != base.today:
        raise ValueError("the baseline was made for another day")
    if base.is_holiday(base.today):
        return None
    hour, before, _ = arrivals_today(arrived, base.zone, now)
    usual = base.usual_by(base.weekday, hour)
    if hour == 0 or usual < thresholds.min_usual:
        return None
    actual = int(before[hour])
    ratio = actual / usual
    if ratio <= thresholds.drop_at:
        kind: Kind = "inflow_drop"
        critical = ratio <= thresholds.drop_critical_at
    elif ratio >= thresholds.surge_at:
        kind = "inflow_surge"
        critical = ratio >= thresholds.surge_critical_at
    else:
        return None
    day_name = WEEKDAYS[base.weekday]
    sentence = (f"Inflow by {hour:02d}:00 is {round(ratio * 100)}% of a usual {day_name} "
                f"({actual} against {_number(usual)}).")
    figures: dict[str, Figure] = {
        "hour": hour, "weekday": day_name, "actual": actual, "usual": usual,
        "spread": base.spread_by(base.weekday, hour), "ratio": ratio,
    }
    return Alert(kind, "critical" if critical else "warning", figures, sentence)


def queue_alert(arrived: I64, delivered: I64, zone: Zone, now: int,
                thresholds: AlertThresholds, holidays: Iterable[date] = (),
                working_weekdays: Iterable[int] = WORKING_WEEKDAYS,
                lookback: int = QUEUE_LOOKBACK_DAYS) -> Alert | None:
    """Return the alert for arrivals above throughput on the last ``queue_days`` or more
    working days in a row, or None.

    Only whole working days before today count (today is still under way); weekends and
    holidays are skipped: they neither extend nor break the run. The run is traced back
    at most ``lookback`` days.
    """
    today = day_of(zone, now)
    period = Period(today - lookback, today - 1)
    arrivals = daily_counts(arrived, zone, period)
    deliveries = daily_counts(delivered, zone, period)
    days = period.day_numbers()
    working = np.isin((days + 3) % 7, list(working_weekdays))
    working &= ~np.isin(days, [date_to_day(d) for d in holidays])
    growing = (arrivals > deliveries)[working]
    not_growing = np.flatnonzero(~growing)
    run = growing.size - (int(not_growing[-1]) + 1 if not_growing.size else 0)
    if run < thresholds.queue_days:
        return None
    run_days = days[working][growing.size - run:]
    came = int(arrivals[run_days - period.first].sum())
    went = int(deliveries[run_days - period.first].sum())
    since = day_to_date(int(run_days[0]))
    severity: Severity = "critical" if run >= thresholds.queue_critical_days else "warning"
    sentence = (f"Arrivals have been above throughput for {run} working days in a row "
                f"since {WEEKDAYS[since.weekday()]} {since.isoformat()} ({came} arrived, "
                f"{went} delivered): the queue grew by {came - went}.")
    figures: dict[str, Figure] = {"days": run, "since": since.isoformat(), "arrived": came,
                                  "delivered": went, "growth": came - went}
    return Alert("queue_growing", severity, figures, sentence)


def mix_alerts(flow: Flow, attribute: str, thresholds: AlertThresholds,
               weeks: int = DEFAULT_WEEKS, where: Where | None = None) -> list[Alert]:
    """Return an alert for each value of an attribute whose share of the arrivals moved
    by ``mix_points`` or more.

    The recent window is the last ``mix_days`` days up to the as-of day, included; the
    reference is the ``weeks`` weeks just before it. Nothing is compared while either
    window has fewer than ``mix_min_items`` arrivals.
    """
    today = flow.as_of_day
    recent = Period(today - thresholds.mix_days + 1, today)
    reference = Period(recent.first - 7 * weeks, recent.first - 1)
    now_rows = {row.value: row.arrived for row in work_mix(flow, attribute, recent, where)}
    then_rows = {row.value: row.arrived for row in work_mix(flow, attribute, reference, where)}
    now_total, then_total = sum(now_rows.values()), sum(then_rows.values())
    if min(now_total, then_total) < thresholds.mix_min_items:
        return []
    alerts = []
    for value in sorted(now_rows.keys() | then_rows.keys()):  # a few values, not items
        now_count, then_count = now_rows.get(value, 0), then_rows.get(value, 0)
        share_now, share_then = now_count / now_total, then_count / then_total
        change = share_now - share_then
        if abs(change) < thresholds.mix_points:
            continue
        severity: Severity = "warning" if abs(change) >= thresholds.mix_warning_points else "info"
        sentence = (f"{attribute.capitalize()} \"{value}\" is {round(share_now * 100)}% of "
                    f"arrivals in the last {thresholds.mix_days} days ({now_count} of "
                    f"{now_total}), against {round(share_then * 100)}% over the {weeks} "
                    f"weeks before ({then_count} of {then_total}).")
        figures: dict[str, Figure] = {
            "attribute": attribute, "value": value, "recent": now_count,
            "recent_total": now_total, "reference": then_count,
            "reference_total": then_total, "share": share_now,
            "reference_share": share_then, "change": change,
        }
        alerts.append(Alert("mix_shift", severity, figures, sentence))
    return alerts


def ranked(alerts: Iterable[Alert]) -> list[Alert]:
    """Return alerts most severe first, then in the order of ``KINDS``."""
    return sorted(alerts, key=lambda a: (SEVERITIES.index(a.severity), KINDS.index(a.kind)))


def demand_alerts(flow: Flow, thresholds: AlertThresholds, *,
                  holidays: Iterable[date] = (),
                  working_weekdays: Iterable[int] = WORKING_WEEKDAYS,
                  mix_by: Sequence[str] = ("type", "customer"),
                  weeks: int = DEFAULT_WEEKS, base: Baseline | None = None) -> list[Alert]:
    """Return every demand alert of a service as of its flow's ``as_of`` (its "now"),
    most severe first. The mix is checked for each attribute of ``mix_by`` the timeline
    has. ``base`` saves recomputing a baseline already made for the same day."""
    holidays = list(holidays)
    now = flow.as_of
    base = base or baseline(flow.arrived, flow.zone, now, holidays, weeks)
    found = [inflow_alert(flow.arrived, base, now, thresholds),
             queue_alert(flow.arrived, flow.delivered, flow.zone, now, thresholds,
                         holidays, working_weekdays)]
    alerts = [alert for alert in found if alert is not None]
    for attribute in mix_by:
        if attribute in flow.timeline.attributes:
            alerts += mix_alerts(flow, attribute, thresholds, weeks)
    return ranked(alerts)


__all__ = ["KINDS", "SEVERITIES", "Alert", "AlertThresholds", "demand_alerts",
           "inflow_alert", "mix_alerts", "queue_alert", "ranked"]
