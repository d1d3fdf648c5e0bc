"""Holidays from an .ics file (flowdesk.services.ics): pure parsing, no database."""

from __future__ import annotations

from datetime import date

import pytest
from agreement_builders import brussels, brussels_calendar

from flowdesk.domain.errors import InvalidInput
from flowdesk.services.ics import holidays_from_ics

# Shaped like a public-holiday feed export: CRLF lines, a folded line, a time zone block,
# all-day events with and without DTEND, a multi-day closure, a timed event, a cancelled one.
BELGIAN_HOLIDAYS = (
    b"BEGIN:VCALENDAR\r\n"
    b"VERSION:2.0\r\n"
    b"PRODID:-//Example Office//Holidays 2026//EN\r\n"
    b"CALSCALE:GREGORIAN\r\n"
    b"X-WR-CALNAME:Belgian public holidays\r\n"
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:Europe/Brussels\r\n"
    b"BEGIN:STANDARD\r\n"
    b"DTSTART:19701025T030000\r\n"
    b"TZOFFSETFROM:+0200\r\n"
    b"TZOFFSETTO:+0100\r\n"
    b"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    b"END:STANDARD\r\n"
    b"END:VTIMEZONE\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-11-11@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20261111\r\n"
    b"DTEND;VALUE=DATE:20261112\r\n"
    b"SUMMARY:Armistice Day\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-12-24-closure@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20261224\r\n"
    b"DTEND;VALUE=DATE:20261227\r\n"
    b"SUMMARY:Office closed over Christmas (Christmas Eve\\, Christmas Day and the day\r\n"
    b"  after)\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-05-14@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20260514\r\n"
    b"SUMMARY:Ascension Day\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-07-20@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20260720\r\n"
    b"DURATION:P2D\r\n"
    b"SUMMARY:National Day bridge\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-12-31-party@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;TZID=Europe/Brussels:20261231T150000\r\n"
    b"DTEND;TZID=Europe/Brussels:20261231T170000\r\n"
    b"SUMMARY:New Year drinks\r\n"
    b"END:VEVENT\r\n"
    b"BEGIN:VEVENT\r\n"
    b"UID:2026-08-15@holidays.example\r\n"
    b"DTSTAMP:20260101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20260815\r\n"
    b"STATUS:CANCELLED\r\n"
    b"SUMMARY:Assumption (cancelled)\r\n"
    b"END:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def test_all_day_events_become_holidays_and_a_multi_day_event_gives_each_day() -> None:
    assert holidays_from_ics(BELGIAN_HOLIDAYS) == [
        date(2026, 5, 14),
        date(2026, 7, 20), date(2026, 7, 21),
        date(2026, 11, 11),
        date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26),
    ]


def test_imported_holidays_feed_a_calendar() -> None:
    calendar = brussels_calendar(holidays=holidays_from_ics(BELGIAN_HOLIDAYS))
    assert calendar.next_working_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert calendar.end_of_working_day(brussels(2026, 12, 24, 10, 0)) \
        == brussels(2026, 12, 28, 17, 0)


def test_a_timed_event_is_not_a_holiday_and_a_file_without_all_day_events_is_refused() -> None:
    only_drinks = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
                   b"DTSTART:20261231T140000Z\r\nSUMMARY:Drinks\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(InvalidInput, match="no all-day events") as refused:
        holidays_from_ics(only_drinks)
    assert refused.value.field == "ics"


def vevent(*lines: str) -> bytes:
    body = "".join(f"{line}\r\n" for line in lines)
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n{body}"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an iCalendar"),
    (b"", "not an iCalendar"),
    (b"hello, world", "not an iCalendar"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VCALENDAR\r\n",
     "not an iCalendar"),
    (b"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\n", "VCALENDAR"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "no all-day events"),
    (vevent("DTSTART;VALUE=DATE:20261345"), "does not parse"),
    (vevent("SUMMARY:no start"), "no DTSTART"),
    (vevent("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261224"), "ends before"),
    (vevent("DTSTART;VALUE=DATE:20261225", "DTEND:20261226T000000Z"), "mixes"),
    (vevent("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101"), "lasts"),
    (vevent("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY", "SUMMARY:Christmas"),
     "recurring event 'Christmas'"),
    (b"BEGIN:VCALENDAR\r\n" + b"X-PAD:" + b"a" * 1_000_001 + b"\r\nEND:VCALENDAR\r\n",
     "larger than"),
], ids=["png", "empty", "text", "unclosed", "no calendar", "no events", "bad date",
        "no start", "backwards", "mixed", "too long", "recurring", "too large"])
def test_anything_that_is_not_a_holiday_file_is_refused_naming_the_ics_field(
        data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        holidays_from_ics(data)
    assert refused.value.field == "ics"
    assert refused.value.message.startswith("ics: ")
