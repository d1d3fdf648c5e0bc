"""The demand baseline and the chart series, checked against numbers worked out by hand."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.analytics.demand import (
    HOURS,
    arrivals_against_throughput,
    arrivals_heatmap,
    baseline,
    local_hours,
    today_against_usual,
)
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timezones import Zone, date_to_day, to_us

from .demand_helpers import (
    NOW,
    TUESDAYS,
    ZONE,
    burst,
    instants,
    tuesday_history,
    us,
)

TUESDAY = 1


def test_the_baseline_is_the_median_of_the_same_weekday_and_hour_with_its_mad() -> None:
    # 9-10 on the eight Tuesdays: 30 35 38 40 40 42 45 100. The median of eight is the
    # mean of the 4th and 5th, (40 + 40) / 2 = 40; deviations 10 5 2 0 0 2 5 60 sorted
    # are 0 0 2 2 5 5 10 60, so the MAD is (2 + 5) / 2 = 3.5: the 100 moves neither much.
    base = baseline(tuesday_history([30, 35, 38, 40, 40, 42, 45, 100]), ZONE, to_us(NOW))
    assert base.weekday == TUESDAY
    assert base.median[TUESDAY, 9] == 40
    assert base.mad[TUESDAY, 9] == 3.5
    assert base.median[TUESDAY, 8] == 0 and base.median[TUESDAY, 10] == 0
    assert base.days.tolist() == [8] * 7


def test_the_cumulative_baseline_counts_the_arrivals_before_an_hour() -> None:
    base = baseline(tuesday_history([30, 35, 38, 40, 40, 42, 45, 100]), ZONE, to_us(NOW))
    assert base.usual_by(TUESDAY, 9) == 0  # all of them arrive from 09:00
    assert base.usual_by(TUESDAY, 10) == 40
    assert base.usual_by(TUESDAY, 0) == 0
    assert base.usual_day(TUESDAY) == 40
    assert base.usual_after(TUESDAY, 10) == 0
    assert base.spread_by(TUESDAY, 10) == 3.5
    assert base.usual_by(2, 10) == 0  # nothing arrived on Wednesdays
    with pytest.raises(ValueError, match="weekday"):
        base.usual_by(-1, 10)
    with pytest.raises(ValueError, match="hour"):
        base.usual_by(TUESDAY, 25)


def test_the_cumulative_baseline_is_a_median_of_days_not_a_sum_of_hourly_medians() -> None:
    # Day A: 1 at 08:00 and 0 at 09:00; day B the other way round; four of each. Each
    # hour's median is (0 + 1) / 2 = 0.5, but every day had exactly 1 arrival by 10:00.
    parts = [burst(day, 8 if k % 2 else 9, 1) for k, day in enumerate(TUESDAYS)]
    base = baseline(instants(parts), ZONE, to_us(NOW))
    assert base.median[TUESDAY, 8] == 0.5 and base.median[TUESDAY, 9] == 0.5
    assert base.usual_by(TUESDAY, 10) == 1


def test_holidays_are_left_out_of_the_baseline() -> None:
    # A holiday Tuesday with nothing: left in, it would pull the median to (35 + 38) / 2.
    counts = [30, 35, 38, 40, 0, 42, 45, 100]
    history = tuesday_history(counts)
    with_it = baseline(history, ZONE, to_us(NOW))
    without = baseline(history, ZONE, to_us(NOW), holidays=[TUESDAYS[4]])
    assert with_it.median[TUESDAY, 9] == (38 + 40) / 2
    assert without.median[TUESDAY, 9] == 40  # 30 35 38 40 42 45 100: the 4th of seven
    assert without.days[TUESDAY] == 7 and without.days[0] == 8
    assert np.isnan(without.counts[TUESDAY, 4, 9])
    assert without.is_holiday(date_to_day(TUESDAYS[4]))


def test_days_before_the_first_arrival_are_left_out_as_they_never_happened() -> None:
    # History starts on the 6th baseline Tuesday (20 February): three of 40, 42 and 45.
    history = tuesday_history([0, 0, 0, 0, 0, 40, 42, 45])
    base = baseline(history, ZONE, to_us(NOW))
    assert base.days[TUESDAY] == 3
    assert base.median[TUESDAY, 9] == 42
    # The first arrival is on Tuesday 20 February: of the Mondays, 26 February and 4 and
    # 11 March remain.
    assert base.days[0] == 3


def test_the_baseline_covers_whole_weeks_before_today_and_nothing_of_today() -> None:
    history = tuesday_history([40] * 8, today_before_ten=500)
    base = baseline(history, ZONE, to_us(NOW), weeks=2)
    assert base.counts.shape == (7, 2, HOURS)
    assert base.median[TUESDAY, 9] == 40  # today's 500 are not in it
    with pytest.raises(ValueError, match="at least one week"):
        baseline(history, ZONE, to_us(NOW), weeks=0)


def test_hours_are_wall_clock_hours_across_daylight_saving_changes() -> None:
    brussels = Zone.parse("Europe/Brussels")
    # 27 October 2024: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    twice = [datetime(2024, 10, 27, 0, 30, tzinfo=UTC), datetime(2024, 10, 27, 1, 30, tzinfo=UTC)]
    # 31 March 2024: 02:00 CET becomes 03:00 CEST; 01:30 UTC is 03:30 local.
    skipped = [datetime(2024, 3, 31, 0, 30, tzinfo=UTC), datetime(2024, 3, 31, 1, 30, tzinfo=UTC)]
    day, hour = local_hours(brussels, np.array([to_us(t) for t in twice + skipped]))
    assert hour.tolist() == [2, 2, 1, 3]
    assert day.tolist() == [date_to_day(date(2024, 10, 27))] * 2 + [
        date_to_day(date(2024, 3, 31))] * 2


def test_today_against_usual_gives_both_cumulative_series_by_the_hour() -> None:
    history = instants([burst(day, 9, 40) for day in TUESDAYS] + [
        burst(NOW.date(), 8, 2), burst(NOW.date(), 9, 4), burst(NOW.date(), 10, 3)])
    series = today_against_usual(history, baseline(history, ZONE, to_us(NOW)), to_us(NOW))
    assert series.hour == 10
    # Points 0..10: nothing before 09:00, 2 before 09:00 (those of 08:xx), 6 before 10:00.
    assert series.actual.tolist() == [0] * 9 + [2, 6]
    assert series.so_far == 9  # with the three of 10:00-10:01, before 10:30
    assert series.usual.tolist() == [0.0] * 10 + [40.0] * 15
    assert series.labels[0] == "00:00" and series.labels[-1] == "24:00"


def test_the_heat_map_counts_arrivals_by_weekday_and_hour_over_a_period() -> None:
    monday, tuesday = date(2024, 3, 4), date(2024, 3, 5)
    history = instants([burst(monday, 9, 2), burst(tuesday, 14, 1), burst(date(2024, 3, 25), 9, 5)])
    heat = arrivals_heatmap(history, ZONE, Period.of(date(2024, 3, 4), date(2024, 3, 17)))
    assert heat.counts[0, 9] == 2 and heat.counts[1, 14] == 1
    assert heat.counts.sum() == 3  # 25 March is after the period
    assert heat.days.tolist() == [2] * 7
    assert heat.mean()[0, 9] == 1.0


def test_arrivals_against_throughput_counts_each_local_day() -> None:
    arrived = np.array([us("2024-03-04T23:30:00+01:00"), us("2024-03-05T00:30:00+01:00"),
                        us("2024-03-05T12:00:00+01:00")])
    delivered = np.array([us("2024-03-05T09:00:00+01:00"), np.iinfo(np.int64).min])
    chart = arrivals_against_throughput(arrived, delivered, ZONE,
                                        Period.of(date(2024, 3, 4), date(2024, 3, 6)))
    assert chart.arrived.tolist() == [1, 2, 0]
    assert chart.delivered.tolist() == [0, 1, 0]
    assert chart.net.tolist() == [1, 1, 0]


ZONES = ["+01:00", "-05:30", "Europe/Brussels", "America/New_York"]
NOW_CHOICES = [datetime(2024, 3, 12, 10, 30, tzinfo=UTC), datetime(2024, 11, 5, 7, 0, tzinfo=UTC)]


@settings(max_examples=40, deadline=None)
@given(zone_name=st.sampled_from(ZONES), now=st.sampled_from(NOW_CHOICES),
       minutes=st.lists(st.integers(1, 60 * 24 * 70), min_size=1, max_size=120),
       holiday_offsets=st.sets(st.integers(1, 56), max_size=4))
def test_the_baseline_matches_a_day_by_day_count_in_plain_python(
        zone_name: str, now: datetime, minutes: list[int], holiday_offsets: set[int]) -> None:
    zone = Zone.parse(zone_name)
    moments = [now - timedelta(minutes=m) for m in minutes]
    today = now.astimezone(zone.info).date()
    holidays = {today - timedelta(days=k) for k in holiday_offsets}
    base = baseline(np.array(sorted(to_us(m) for m in moments)), zone, to_us(now), holidays)
    # The same by hand: each arrival's local date and wall-clock hour, one sample per
    # kept day of the eight weeks (from the first arrival's day on, holidays left out).
    local = [m.astimezone(zone.info) for m in moments]
    started = min(t.date() for t in local)
    per_day: dict[date, Counter[int]] = defaultdict(Counter)
    for t in local:
        per_day[t.date()][t.hour] += 1
    window = [today - timedelta(days=k) for k in range(1, 57)]
    kept = [d for d in window if d >= started and d not in holidays]
    for weekday in range(7):
        days = [d for d in kept if d.weekday() == weekday]
        assert base.days[weekday] == len(days)
        for hour in (0, 9, 17, 23):
            expected = statistics.median([per_day[d][hour] for d in days]) if days else 0
            assert base.median[weekday, hour] == expected
        by_noon = [sum(per_day[d][h] for h in range(12)) for d in days]
        assert base.usual_by(weekday, 12) == (statistics.median(by_noon) if days else 0)


@settings(max_examples=40, deadline=None)
@given(zone_name=st.sampled_from(ZONES),
       seconds=st.lists(st.integers(0, 3 * 365 * 86_400), min_size=1, max_size=60))
def test_local_hours_agree_with_the_standard_library(zone_name: str, seconds: list[int]) -> None:
    zone = Zone.parse(zone_name)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=s) for s in seconds]
    day, hour = local_hours(zone, np.array([to_us(m) for m in moments]))
    local = [m.astimezone(zone.info) for m in moments]
    assert hour.tolist() == [t.hour for t in local]
    assert day.tolist() == [date_to_day(t.date()) for t in local]
    assert day.tolist() == zone.day_of(np.array([to_us(m) for m in moments])).tolist()

