"""Properties of working-time arithmetic and due dates, for any calendar and any arrival.

Calendars are drawn with zones that have DST changes at night (Brussels), at midnight
(Santiago), by half an hour (Lord Howe) or none (Kolkata, UTC); arrivals are drawn
anywhere in 2026-2027, half of them within three days of one of the zone's changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flowdesk.domain.agreements import Agreement, Target, TargetUnit
from flowdesk.domain.calendars import MINUTES_PER_DAY, Calendar
from flowdesk.domain.entitlement import entitle

ZONES = ("Europe/Brussels", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600
CHEAP = settings(max_examples=300, deadline=None)
DEARER = settings(max_examples=150, deadline=None)


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """Every UTC offset change of the zone in 2026-2027, to the half hour."""
    zone, found = ZoneInfo(zone_name), []
    moment, step = START, timedelta(minutes=30)
    before = moment.astimezone(zone).utcoffset()
    while moment < START + timedelta(seconds=SPAN_SECONDS):
        moment += step
        offset = moment.astimezone(zone).utcoffset()
        if offset != before:
            found.append(moment)
            before = offset
    return tuple(found)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    opens = draw(st.integers(0, MINUTES_PER_DAY // 15 - 1)) * 15
    closes = draw(st.integers(opens // 15 + 1, MINUTES_PER_DAY // 15)) * 15
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    holidays = draw(st.frozensets(st.dates(date(2026, 1, 1), date(2028, 3, 1)), max_size=30))
    return Calendar(draw(st.sampled_from(ZONES)), days, opens, closes, holidays)


def arrivals(calendar: Calendar) -> st.SearchStrategy[datetime]:
    anywhere = st.integers(0, SPAN_SECONDS).map(lambda s: START + timedelta(seconds=s))
    changes = transitions(calendar.timezone)
    if not changes:
        return anywhere
    near = st.tuples(st.sampled_from(changes), st.integers(-3 * 86400, 3 * 86400)).map(
        lambda p: p[0] + timedelta(seconds=p[1]))
    return st.one_of(anywhere, near)


@st.composite
def calendar_and_moment(draw: st.DrawFn) -> tuple[Calendar, datetime]:
    calendar = draw(calendars())
    return calendar, draw(arrivals(calendar))


amounts = st.integers(1, 60 * 60).map(lambda m: timedelta(minutes=m))  # up to 60 h


def in_working_time(calendar: Calendar, moment: datetime) -> bool:
    """True when `moment` lies within a working day's window, closing instant included.

    A window closing at 24:00 ends on the next local date, so the day before is checked too.
    """
    day = calendar.local(moment).date()
    for candidate in (day, day - timedelta(days=1)):
        span = calendar.window(candidate)
        if span is not None and span[0] <= moment <= span[1]:
            return True
    return False


def repeated(calendar: Calendar, moment: datetime) -> bool:
    """True when the local clock shows `moment`'s time twice (the autumn change)."""
    local = calendar.local(moment)
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


@CHEAP
@given(calendar_and_moment(), amounts)
def test_adding_working_time_lands_later_and_inside_working_time(
        case: tuple[Calendar, datetime], amount: timedelta) -> None:
    calendar, start = case
    due = calendar.add_working_time(start, amount)
    assert due > start
    assert in_working_time(calendar, due)
    assert calendar.is_working_day(calendar.local(due - timedelta(microseconds=1)).date())


@CHEAP
@given(calendar_and_moment(), amounts, amounts)
def test_adding_a_then_b_working_time_equals_adding_a_plus_b(
        case: tuple[Calendar, datetime], a: timedelta, b: timedelta) -> None:
    calendar, start = case
    assert calendar.add_working_time(calendar.add_working_time(start, a), b) \
        == calendar.add_working_time(start, a + b)


@CHEAP
@given(calendar_and_moment(), amounts, amounts)
def test_more_working_time_is_never_due_earlier(case: tuple[Calendar, datetime],
                                                a: timedelta, b: timedelta) -> None:
    calendar, start = case
    short, long = sorted((a, b))
    assert calendar.add_working_time(start, short) <= calendar.add_working_time(start, long)


@CHEAP
@given(calendar_and_moment(), st.integers(0, 7 * 86400), amounts)
def test_a_later_start_is_never_due_earlier(case: tuple[Calendar, datetime], later: int,
                                            amount: timedelta) -> None:
    calendar, start = case
    assert calendar.add_working_time(start, amount) \
        <= calendar.add_working_time(start + timedelta(seconds=later), amount)


@CHEAP
@given(calendar_and_moment(), amounts)
def test_the_working_time_between_a_start_and_its_due_date_is_what_was_added(
        case: tuple[Calendar, datetime], amount: timedelta) -> None:
    calendar, start = case
    due = calendar.add_working_time(start, amount)
    assert calendar.working_time_between(start, due) == amount
    assert calendar.working_time_between(due, start) == -amount


@CHEAP
@given(calendar_and_moment(), st.integers(0, 5 * 86400), st.integers(0, 5 * 86400))
def test_working_time_between_adds_up_over_consecutive_spans(
        case: tuple[Calendar, datetime], first: int, second: int) -> None:
    calendar, x = case
    y = x + timedelta(seconds=first)
    z = y + timedelta(seconds=second)
    between = calendar.working_time_between
    assert between(x, y) + between(y, z) == between(x, z)
    assert timedelta(0) <= between(x, z) <= z - x


@CHEAP
@given(calendar_and_moment())
def test_the_end_of_the_working_day_is_a_close_not_before_the_moment(
        case: tuple[Calendar, datetime]) -> None:
    calendar, moment = case
    end = calendar.end_of_working_day(moment)
    assert end >= moment
    assert in_working_time(calendar, end)
    assert calendar.end_of_local_day(moment) > moment


@CHEAP
@given(calendars(), st.dates(date(2026, 1, 1), date(2027, 12, 31)), st.integers(0, 30))
def test_counting_working_days_lands_on_a_working_day(calendar: Calendar, day: date,
                                                      n: int) -> None:
    later = calendar.nth_working_day_after(day, n)
    assert later >= day
    assert n == 0 or calendar.is_working_day(later)
    assert calendar.next_working_day(day) > day


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    calendar = draw(calendars())
    unit = draw(st.sampled_from(TargetUnit))
    value = draw(st.integers(1, 40) if unit is TargetUnit.WORKING_HOURS else st.integers(1, 10))
    cut_off = None
    if unit is not TargetUnit.WORKING_HOURS and draw(st.booleans()):
        minutes = draw(st.integers(0, min(calendar.closes, MINUTES_PER_DAY - 1)))
        cut_off = time(minutes // 60, minutes % 60)
    return Agreement(1, 1, 1, calendar, Target(value, unit, 0.85), cut_off=cut_off)


@st.composite
def agreement_and_arrival(draw: st.DrawFn) -> tuple[Agreement, datetime]:
    agreement = draw(agreements())
    return agreement, draw(arrivals(agreement.calendar))


@DEARER
@given(agreement_and_arrival())
def test_a_request_is_never_due_before_it_arrives(case: tuple[Agreement, datetime]) -> None:
    agreement, arrived = case
    entitlement = entitle(agreement, arrived)
    assert entitlement.due_at >= arrived
    assert entitlement.text.endswith(f"({agreement.calendar.timezone})")


@DEARER
@given(agreement_and_arrival())
def test_a_due_date_in_working_units_falls_in_working_time(
        case: tuple[Agreement, datetime]) -> None:
    agreement, arrived = case
    assume(agreement.target.unit is not TargetUnit.CALENDAR_DAYS)
    assert in_working_time(agreement.calendar, entitle(agreement, arrived).due_at)


@DEARER
@given(agreement_and_arrival(), st.integers(0, 3 * 86400))
def test_a_later_arrival_is_never_due_earlier(case: tuple[Agreement, datetime],
                                              later: int) -> None:
    agreement, first = case
    second = first + timedelta(seconds=later)
    # "The same clock time N days later" follows the wall clock, which runs an hour twice
    # on the autumn night: 02:50 CEST then 02:10 CET. Only such arrivals may go backwards.
    assume(not (repeated(agreement.calendar, first) or repeated(agreement.calendar, second)))
    assert entitle(agreement, first).due_at <= entitle(agreement, second).due_at
