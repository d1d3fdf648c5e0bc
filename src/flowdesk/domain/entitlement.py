"""What an agreement entitles a request to at arrival: a due instant and a sentence.

How each target gives `due_at` (all wall-clock times are in the calendar's zone):

- **working_hours N**: N hours of working time counted from arrival (from the next
  opening when the desk is closed), with :meth:`Calendar.add_working_time`. A cut-off is
  refused for this unit.
- **working_days N, no cut-off**: "the same time N working days later". Arriving during
  working hours (after opening, up to closing) the request is due at the same local clock
  time on the N-th working day after the arrival day: Tue 11:40 + 1 is Wed 11:40, across a
  DST change too (the clock time is kept, not a count of 24 hours). Arriving before or at
  opening on a working day, it is due at the close of that day's (N-1)-th next working day
  (that day is day 1: Tue 08:30 + 1 is Tue 17:00). Arriving after closing or on a day off,
  it is due at the close of the N-th working day after (Tue 18:00 + 1 is Wed 17:00). On
  calendars whose days all have the same length this equals N x (working hours per day)
  of working-hours arithmetic.
- **calendar_days N, no cut-off**: the same local clock time N calendar days later
  (Fri 11:40 + 3 is Mon 11:40), whether or not that is a working day.
- **With a cut-off** (day units): day 1 is the arrival day if it is a working day and the
  request arrived at or before the cut-off minute (12:00:59 is "12:00", in time for a
  12:00 cut-off; 12:01 is late), otherwise the next working day. The request is due at
  `due_by` (default: closing time) on day N, counting working days or calendar days from
  day 1. So with 1 working day and a 12:00 cut-off: Tue 11:40 is due Tue 17:00, Tue 12:10
  is due Wed 17:00, Sat or a holiday is due the next working day at 17:00; with 2 working
  days, Tue 11:40 is due Wed 17:00 and Tue 12:10 Thu 17:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flowdesk.domain.agreements import Agreement, TargetUnit, select_agreement
from flowdesk.domain.calendars import DAY_NAMES, Calendar, as_utc
from flowdesk.domain.classes import ClassOfService

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Entitlement:
    """The due instant (UTC) and the sentence people read on the card.

    Instants are in UTC (see :mod:`flowdesk.domain.calendars` for why); show them with
    ``agreement.calendar.local(due_at)``.
    """

    agreement_id: int
    agreement_version: int
    arrived_at: datetime
    due_at: datetime
    text: str


@dataclass(frozen=True)
class _Due:
    due_at: datetime
    reason: str  # what the arrival was: "before the 12:00 cut-off", "a holiday", ...
    first_day: date | None = None  # day 1 of a days count
    counted_from: datetime | None = None  # where a working-hours count started


class _Stamps:
    """Formats instants as people write them: "Tue 11:40", or "Tue 5 Jan 11:40" when the
    arrival and the due date are a week or more apart (a weekday alone would be ambiguous)."""

    def __init__(self, calendar: Calendar, arrived: datetime, due: datetime) -> None:
        self.calendar = calendar
        a, d = calendar.local(arrived), calendar.local(due)
        self.long = (d.date() - a.date()).days >= 7
        self.years = a.year != d.year

    def day(self, day: date) -> str:
        text = DAY_NAMES[day.weekday()].capitalize()
        if self.long:
            text += f" {day.day} {_MONTHS[day.month - 1]}"
            if self.years:
                text += f" {day.year}"
        return text

    def moment(self, moment: datetime) -> str:
        local = self.calendar.local(moment)
        text = f"{self.day(local.date())} {local:%H:%M}"
        if local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset():
            text += f" {local.tzname()}"  # the clock shows this time twice tonight: say which
        return text


def _day_off(calendar: Calendar, day: date) -> str:
    weekday_works = day.weekday() in calendar.working_days
    return "a holiday" if weekday_works and calendar.is_holiday(day) else "not a working day"


def _minute(moment: datetime) -> time:
    return moment.time().replace(second=0, microsecond=0, tzinfo=None, fold=0)


def _with_cut_off(agreement: Agreement, arrived: datetime) -> _Due:
    calendar, target = agreement.calendar, agreement.target
    assert agreement.cut_off is not None
    local = calendar.local(arrived)
    day, cut = local.date(), agreement.cut_off
    # Minute precision: a clock showing 12:00 is "by noon", whatever its seconds.
    if calendar.is_working_day(day) and _minute(local) <= cut:
        first = day
        reason = f"{'by' if _minute(local) == cut else 'before'} the {cut:%H:%M} cut-off"
    else:
        first = calendar.next_working_day(day)
        reason = (f"after the {cut:%H:%M} cut-off" if calendar.is_working_day(day)
                  else _day_off(calendar, day))
    if target.unit is TargetUnit.WORKING_DAYS:
        last = calendar.nth_working_day_after(first, target.days - 1)
    else:
        last = first + timedelta(days=target.days - 1)
    end = agreement.due_by if agreement.due_by is not None else calendar.closes
    return _Due(calendar.at(last, end), reason, first)


def _working_hours(agreement: Agreement, arrived: datetime) -> _Due:
    calendar = agreement.calendar
    due = calendar.add_working_time(arrived, agreement.target.duration)
    if calendar.is_working_time(arrived):
        return _Due(due, "within working hours")
    return _Due(due, _closed(calendar, arrived),
                counted_from=calendar.next_working_moment(arrived))


def _closed(calendar: Calendar, arrived: datetime) -> str:
    """Say why the desk is closed at `arrived`: a day off, before opening or after closing."""
    day = calendar.local(arrived).date()
    span = calendar.window(day)
    if span is None:
        return _day_off(calendar, day)
    # Compared in UTC: two datetimes sharing a ZoneInfo compare by wall clock, blind to DST.
    if as_utc(arrived) < span[0]:
        return "before opening"
    return "at opening" if as_utc(arrived) == span[0] else "after closing"


def _working_days(agreement: Agreement, arrived: datetime) -> _Due:
    calendar, n = agreement.calendar, agreement.target.days
    local = calendar.local(arrived)
    day = local.date()
    span = calendar.window(day)
    if span is not None and span[0] < as_utc(arrived) <= span[1]:
        # During working hours: the same clock time n working days later.
        last = calendar.nth_working_day_after(day, n)
        later = f"{n} working day{'s' if n > 1 else ''} later"
        return _Due(calendar.at(last, local.time()), f"within working hours, so due at the "
                    f"same time {later}")
    # At or before opening, this day is day 1; after closing or on a day off, the next one.
    opening = span is not None and as_utc(arrived) <= span[0]
    first = day if opening else calendar.next_working_day(day)
    last = calendar.nth_working_day_after(first, n - 1)
    return _Due(calendar.at(last, calendar.closes), _closed(calendar, arrived), first)


def _calendar_days(agreement: Agreement, arrived: datetime) -> _Due:
    calendar = agreement.calendar
    local = calendar.local(arrived)
    later = local.date() + timedelta(days=agreement.target.days)
    return _Due(calendar.at(later, local.time()), "")


def _reckon(agreement: Agreement, arrived: datetime) -> _Due:
    if agreement.cut_off is not None:
        return _with_cut_off(agreement, arrived)
    unit = agreement.target.unit
    if unit is TargetUnit.WORKING_HOURS:
        return _working_hours(agreement, arrived)
    if unit is TargetUnit.WORKING_DAYS:
        return _working_days(agreement, arrived)
    return _calendar_days(agreement, arrived)


def _headline(agreement: Agreement, arrived: datetime, due: datetime) -> str:
    target, calendar = agreement.target, agreement.calendar
    if agreement.cut_off is not None and target.unit is TargetUnit.WORKING_DAYS \
            and target.days == 1:
        same = calendar.local(arrived).date() == calendar.local(due).date()
        return "same day" if same else "next working day"
    return target.span_text


def entitle(agreement: Agreement, arrived_at: datetime) -> Entitlement:
    """Return what a request arriving at `arrived_at` is entitled to under `agreement`.

    E.g. "same day: received Tue 11:40, before the 12:00 cut-off; due Tue 17:00
    (Europe/Brussels)". The result records the agreement's id and version, so the item
    keeps it when the agreement is edited later.
    """
    calendar = agreement.calendar
    reckoning = _reckon(agreement, arrived_at)
    due = reckoning.due_at
    stamps = _Stamps(calendar, arrived_at, due)
    headline = _headline(agreement, arrived_at, due)
    parts = [f"received {stamps.moment(arrived_at)}"]
    if reckoning.reason:
        parts.append(reckoning.reason)
    if reckoning.counted_from is not None:
        parts.append(f"counted from {stamps.moment(reckoning.counted_from)}")
    elif reckoning.first_day is not None and headline not in ("same day", "next working day"):
        # "same day" and "next working day" already say which day counts.
        parts.append(f"so day 1 is {stamps.day(reckoning.first_day)}")
    text = f"{headline}: {', '.join(parts)}; due {stamps.moment(due)} ({calendar.timezone})"
    return Entitlement(agreement.id, agreement.version, as_utc(arrived_at), due, text)


def due_at(agreement: Agreement, arrived_at: datetime) -> datetime:
    """Return only the due instant of :func:`entitle`."""
    return entitle(agreement, arrived_at).due_at


def entitlement_for(agreements: Iterable[Agreement], *, service_id: int, customer: str,
                    cos: ClassOfService, arrived_at: datetime) -> Entitlement | None:
    """Return the entitlement under the agreement that applies to the item, or None."""
    agreement = select_agreement(agreements, service_id, customer, cos)
    return None if agreement is None else entitle(agreement, arrived_at)

