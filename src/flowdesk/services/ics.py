"""Holiday dates from an iCalendar (.ics) file, for a calendar's `holidays`.

Parsing a file format is kept out of the pure domain; the result is plain dates that
:func:`flowdesk.domain.calendars.parse_calendar` accepts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar

from flowdesk.domain.errors import InvalidInput

MAX_ICS_BYTES = 1_000_000
#: A "holiday" longer than this is a mistake (or a whole-year event), not days off.
MAX_EVENT_DAYS = 366


def _bad(reason: str) -> InvalidInput:
    return InvalidInput(f"ics: {reason}", "ics")


def _all_day_dates(event: icalendar.Component) -> list[date]:
    """Return every day an all-day event covers; [] for an event with a time of day."""
    start = event.get("DTSTART")
    if start is None:
        raise _bad("an event has no DTSTART")
    first = start.dt
    if isinstance(first, datetime) or not isinstance(first, date):
        return []  # holidays are whole days: an event at a time of day is not one
    end = event.get("DTEND")
    duration = event.get("DURATION")
    if end is not None:
        last = end.dt  # exclusive, per RFC 5545
        if isinstance(last, datetime) or not isinstance(last, date):
            raise _bad(f"the event on {first.isoformat()} mixes a date and a date-time")
    elif duration is not None:
        last = first + timedelta(days=duration.dt.days)
    else:
        last = first + timedelta(days=1)  # an all-day event without an end lasts one day
    days = (last - first).days
    if days < 1:
        raise _bad(f"the event on {first.isoformat()} ends before it starts")
    if days > MAX_EVENT_DAYS:
        raise _bad(f"the event on {first.isoformat()} lasts {days} days")
    return [first + timedelta(days=i) for i in range(days)]


def holidays_from_ics(data: bytes) -> list[date]:
    """Return the sorted, distinct days of the all-day events in an .ics file.

    A multi-day event (DTEND, exclusive, or DURATION) gives each of its days. Events with
    a time of day and cancelled events are left out. Anything that does not parse, a
    recurring event (RRULE: export the dates instead), or a file with no all-day event
    raises InvalidInput(field="ics").
    """
    if len(data) > MAX_ICS_BYTES:
        raise _bad(f"the file is larger than {MAX_ICS_BYTES} bytes")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception:  # the parser raises several kinds on malformed input
        raise _bad("the file is not an iCalendar (.ics) file") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise _bad("the file does not hold a VCALENDAR")
    days: set[date] = set()
    for event in calendar.walk("VEVENT"):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if event.get("RRULE") is not None:
            raise _bad(f"recurring event {str(event.get('SUMMARY', ''))!r} is not supported: "
                       "export the holidays as single dates")
        try:
            days.update(_all_day_dates(event))
        except InvalidInput:
            raise
        except Exception:  # a broken property (e.g. DTSTART:20261345) raises on access
            raise _bad("an event has a date that does not parse") from None
    if not days:
        raise _bad("the file has no all-day events")
    return sorted(days)
