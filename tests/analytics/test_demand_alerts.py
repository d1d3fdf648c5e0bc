"""Demand alerts on small hand-made histories: inflow, a growing queue, the work mix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest

from flowdesk.analytics import Timeline, analyse
from flowdesk.analytics.alerts import Alert, demand_alerts, inflow_alert, mix_alerts, queue_alert
from flowdesk.analytics.demand import baseline
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.timezones import to_us
from flowdesk.domain.demand import Thresholds

from .demand_helpers import NOW, TUESDAYS, ZONE, burst, instants, tuesday_history
from .helpers import SERVICE

DEFAULTS = Thresholds()


def inflow(before_ten: list[int], today: int, now: datetime = NOW,
           thresholds: Thresholds = DEFAULTS, holidays: list[date] | None = None
           ) -> Alert | None:
    history = tuesday_history(before_ten, today)
    base = baseline(history, ZONE, to_us(now), holidays or [])
    return inflow_alert(history, base, to_us(now), thresholds)


def test_inflow_at_15_percent_of_a_usual_tuesday_by_10_raises_the_drop_alert() -> None:
    alert = inflow([40] * 8, today=6)
    assert alert is not None
    assert alert.kind == "inflow_drop"
    assert alert.sentence == "Inflow by 10:00 is 15% of a usual Tuesday (6 against 40)."
    assert alert.figures["actual"] == 6 and alert.figures["usual"] == 40
    assert alert.figures["ratio"] == pytest.approx(6 / 40)
    assert alert.severity == "critical"  # 0.15 is at or below drop_critical_at (0.25)


def test_inflow_at_95_percent_of_usual_raises_nothing() -> None:
    assert inflow([40] * 8, today=38) is None


def test_a_drop_to_half_of_usual_is_a_warning() -> None:
    alert = inflow([40] * 8, today=20)
    assert alert is not None
    assert (alert.kind, alert.severity) == ("inflow_drop", "warning")
    assert "50% of a usual Tuesday (20 against 40)" in alert.sentence


def test_a_surge_is_an_alert_too_and_critical_from_twice_the_usual() -> None:
    warning, critical = inflow([40] * 8, today=60), inflow([40] * 8, today=80)
    assert warning is not None and critical is not None
    assert (warning.kind, warning.severity) == ("inflow_surge", "warning")
    assert warning.sentence == "Inflow by 10:00 is 150% of a usual Tuesday (60 against 40)."
    assert (critical.kind, critical.severity) == ("inflow_surge", "critical")


def test_one_against_two_is_too_few_to_call_a_drop() -> None:
    # 50% is a drop, but with 2 usual by 10:00 (below min_usual = 5) it means nothing.
    assert inflow([2] * 8, today=1) is None
    assert inflow([2] * 8, today=1, thresholds=Thresholds(min_usual=2)) is not None


def test_the_hour_under_way_is_left_out_of_the_comparison() -> None:
    # At 09:40 the comparison is "by 09:00", when nothing is usual yet.
    assert inflow([40] * 8, today=0, now=NOW.replace(hour=9, minute=40)) is None


def test_no_inflow_alert_on_a_holiday() -> None:
    assert inflow([40] * 8, today=0, holidays=[NOW.date()]) is None


def test_the_thresholds_are_the_callers_to_choose() -> None:
    alert = inflow([40] * 8, today=30, thresholds=Thresholds(drop_at=0.8, drop_critical_at=0.5))
    assert alert is not None and alert.severity == "warning"  # 75% <= 0.8


def test_an_inflow_alert_needs_the_baseline_of_the_same_day() -> None:
    history = tuesday_history([40] * 8)
    base = baseline(history, ZONE, to_us(NOW))
    with pytest.raises(ValueError, match="another day"):
        inflow_alert(history, base, to_us(NOW + timedelta(days=1)), DEFAULTS)


# The queue: now is Wednesday 13 March. Working days before it, latest first: Tue 12,
# Mon 11, Fri 8, Thu 7, Wed 6, Tue 5, Mon 4 March.
QUEUE_NOW = to_us(datetime.fromisoformat("2024-03-13T09:00:00+01:00"))


def queue(days_in_and_out: dict[date, tuple[int, int]], holidays: list[date] | None = None,
          thresholds: Thresholds = DEFAULTS) -> Alert | None:
    arrived = instants(burst(day, 10, n) for day, (n, _) in days_in_and_out.items())
    delivered = instants(burst(day, 15, n) for day, (_, n) in days_in_and_out.items())
    return queue_alert(arrived, delivered, ZONE, QUEUE_NOW, thresholds, holidays or [])


def march(*days: int) -> list[date]:
    return [date(2024, 3, d) for d in days]


def test_six_working_days_of_arrivals_above_throughput_raise_the_queue_alert() -> None:
    flows = {d: (5, 3) for d in march(5, 6, 7, 8, 11, 12)}
    flows |= {date(2024, 3, 4): (3, 3), date(2024, 3, 9): (0, 4), date(2024, 3, 13): (9, 0)}
    alert = queue(flows)
    assert alert is not None
    assert (alert.kind, alert.severity) == ("queue_growing", "warning")
    # Six days of 5 in and 3 out; the weekend (9-10 March) is skipped, today not counted.
    assert alert.figures == {"days": 6, "since": "2024-03-05", "arrived": 30,
                             "delivered": 18, "growth": 12}
    assert alert.sentence == (
        "Arrivals have been above throughput for 6 working days in a row since Tuesday "
        "2024-03-05 (30 arrived, 18 delivered): the queue grew by 12.")


def test_four_working_days_of_arrivals_above_throughput_raise_nothing() -> None:
    flows = {d: (5, 3) for d in march(7, 8, 11, 12)} | {date(2024, 3, 6): (3, 4)}
    assert queue(flows) is None


def test_a_holiday_neither_extends_nor_breaks_the_run() -> None:
    flows = {d: (5, 3) for d in march(5, 6, 7, 11, 12)} | {date(2024, 3, 8): (0, 0)}
    assert queue(flows) is None  # Friday 8 March, a working day with 0 against 0, breaks it
    alert = queue(flows, holidays=march(8))
    assert alert is not None and alert.figures["days"] == 5


def test_a_run_of_ten_working_days_is_critical() -> None:
    flows = {d: (2, 1) for d in march(4, 5, 6, 7, 8, 11, 12)}
    flows |= {d: (2, 1) for d in (date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1))}
    alert = queue(flows)
    assert alert is not None
    assert (alert.severity, alert.figures["days"]) == ("critical", 10)


def arrivals_flow(per_day: dict[date, dict[str, int]], as_of: datetime, hour: int = 11,
                  more: Sequence[tuple[date, str, int]] = ()) -> Flow:
    """A flow of items that only arrived, each with a type: ``per_day[day][type]`` of
    them at ``hour``:00 on that day, 30 seconds apart, and ``more`` (day, type, count)
    from 09:00."""
    rows = [(day, hour, kind, n) for day, counts in per_day.items() for kind, n in counts.items()]
    rows += [(day, 9, kind, n) for day, kind, n in more]
    items, types, times = [], {}, []
    for day, at_hour, kind, n in rows:
        start = datetime.fromisoformat(f"{day.isoformat()}T{at_hour:02d}:00:00+01:00")
        for k in range(n):
            items.append(f"{day.isoformat()}-{at_hour}-{kind}-{k}")
            types[items[-1]] = kind
            times.append(start + timedelta(seconds=30 * k))
    timeline = Timeline.from_rows(items, ["Backlog"] * len(items), times,
                                  attributes={"type": types})
    return analyse(timeline, SERVICE, as_of=as_of)


MIX_NOW = datetime.fromisoformat("2024-03-12T18:00:00+01:00")


def test_a_sudden_change_in_the_work_mix_is_an_alert_for_each_share_that_moved() -> None:
    # Reference: the 8 weeks before the last 7 days (up to 5 March), 1 bug and 4 features
    # a day on Mondays: 8 bugs of 40, 20%. Last 7 days (6-12 March): 15 bugs and 10
    # features, 60% bugs: +40 points for bugs, -40 for features (warning from 35).
    reference = {date(2024, 1, 15) + timedelta(weeks=k): {"bug": 1, "feature": 4}
                 for k in range(8)}
    recent = {date(2024, 3, 11): {"bug": 15, "feature": 10}}
    flow = arrivals_flow(reference | recent, MIX_NOW)
    alerts = mix_alerts(flow, "type", DEFAULTS)
    assert [(a.figures["value"], a.severity) for a in alerts] == [
        ("bug", "warning"), ("feature", "warning")]
    bug = alerts[0]
    assert bug.figures["change"] == pytest.approx(15 / 25 - 8 / 40)
    assert bug.sentence == ('Type "bug" is 60% of arrivals in the last 7 days (15 of 25), '
                            'against 20% over the 8 weeks before (8 of 40).')


def test_a_small_move_in_the_mix_or_too_few_items_raises_nothing() -> None:
    reference = {date(2024, 1, 15) + timedelta(weeks=k): {"bug": 1, "feature": 4}
                 for k in range(8)}
    small_move = arrivals_flow(reference | {date(2024, 3, 11): {"bug": 7, "feature": 18}},
                               MIX_NOW)  # 28% against 20%: 8 points
    assert mix_alerts(small_move, "type", DEFAULTS) == []
    too_few = arrivals_flow(reference | {date(2024, 3, 11): {"bug": 9, "feature": 1}},
                            MIX_NOW)  # 90% bugs, but 10 items < mix_min_items (20)
    assert mix_alerts(too_few, "type", DEFAULTS) == []


def test_demand_alerts_gathers_every_kind_most_severe_first() -> None:
    # Mondays of the reference: 1 bug and 4 features; Tuesdays: 40 features from 09:00,
    # so a usual Tuesday has 40 by 10:00. Yesterday 15 bugs and 10 features; today 6
    # bugs by 10:00, 15% of usual; bugs went from 8 of 360 to 21 of 31 in the mix.
    per_day = {date(2024, 1, 15) + timedelta(weeks=k): {"bug": 1, "feature": 4}
               for k in range(8)}
    per_day[date(2024, 3, 11)] = {"bug": 15, "feature": 10}
    more = [(day, "feature", 40) for day in TUESDAYS] + [(NOW.date(), "bug", 6)]
    flow = arrivals_flow(per_day, NOW, more=more)
    alerts = demand_alerts(flow, DEFAULTS, mix_by=("type", "customer"))
    assert [(a.kind, a.severity) for a in alerts] == [
        ("inflow_drop", "critical"), ("mix_shift", "warning"), ("mix_shift", "warning")]
    assert alerts[1].figures["recent"] == 21 and alerts[1].figures["reference_total"] == 360
