"""Working calendars: parsing, working days, and working-time arithmetic across DST and holidays.

Europe/Brussels in 2026: clocks go forward on Sunday 29 March (02:00 CET -> 03:00 CEST,
01:00 UTC) and back on Sunday 25 October (03:00 CEST -> 02:00 CET, 01:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from agreement_builders import ISSUE_CALENDAR, brussels, brussels_calendar, utc

from flowdesk.domain.calendars import Calendar, parse_calendar, parse_clock
from flowdesk.domain.errors import InvalidInput

CAL = brussels_calendar()
ALWAYS = brussels_calendar(working_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           working_hours=["00:00", "24:00"], holidays=[])


# -- parsing ---------------------------------------------------------------------------


def test_the_issue_calendar_parses_into_its_zone_days_hours_and_holidays() -> None:
    assert CAL.timezone == "Europe/Brussels"
    assert CAL.working_days == frozenset({0, 1, 2, 3, 4})
    assert (CAL.opens, CAL.closes) == (9 * 60, 17 * 60)
    assert CAL.holidays == frozenset({date(2026, 12, 25)})
    assert CAL.hours_text == "09:00-17:00"


def test_a_calendar_reads_back_as_the_shape_it_was_parsed_from() -> None:
    named = parse_calendar({**ISSUE_CALENDAR, "name": "Brussels office"})
    assert named.as_dict() == {**ISSUE_CALENDAR, "name": "Brussels office"}
    assert parse_calendar(named.as_dict()) == named


def test_day_names_may_be_full_and_in_any_case_and_holidays_may_be_left_out() -> None:
    data = {"timezone": "UTC", "working_days": ["Monday", "TUE", " wed "],
            "working_hours": ["08:30", "24:00"]}
    cal = parse_calendar(data)
    assert cal.working_days == frozenset({0, 1, 2})
    assert cal.closes == 24 * 60
    assert cal.holidays == frozenset()


def test_holidays_may_be_given_as_dates_as_an_ics_import_returns_them() -> None:
    cal = brussels_calendar(holidays=[date(2026, 12, 25), "2026-12-26"])
    assert cal.holidays == frozenset({date(2026, 12, 25), date(2026, 12, 26)})


BAD_CALENDARS: list[tuple[str, dict[str, Any], str]] = [
    ("an unknown zone", {"timezone": "Mars/Olympus_Mons"}, "calendar.timezone"),
    ("a zone in the wrong case", {"timezone": "europe/brussels"}, "calendar.timezone"),
    ("an empty zone", {"timezone": ""}, "calendar.timezone"),
    ("a folder of zones", {"timezone": "Europe"}, "calendar.timezone"),
    ("a path out of the zone folder", {"timezone": "../../etc/passwd"}, "calendar.timezone"),
    ("the machine's local zone", {"timezone": "localtime"}, "calendar.timezone"),
    ("a zone that is not text", {"timezone": 1}, "calendar.timezone"),
    ("no zone", {"timezone": None}, "calendar.timezone"),
    ("hours that end before they start", {"working_hours": ["17:00", "09:00"]},
     "calendar.working_hours"),
    ("hours that end when they start", {"working_hours": ["09:00", "09:00"]},
     "calendar.working_hours"),
    ("hours starting at 24:00", {"working_hours": ["24:00", "24:00"]},
     "calendar.working_hours"),
    ("hours with one time", {"working_hours": ["09:00"]}, "calendar.working_hours"),
    ("hours badly formed", {"working_hours": ["9h", "17h"]}, "calendar.working_hours"),
    ("hours past midnight", {"working_hours": ["09:00", "24:30"]}, "calendar.working_hours"),
    ("hours with 60 minutes", {"working_hours": ["09:60", "17:00"]},
     "calendar.working_hours"),
    ("hours as text", {"working_hours": "09:00-17:00"}, "calendar.working_hours"),
    ("no working days", {"working_days": []}, "calendar.working_days"),
    ("an unknown day", {"working_days": ["mon", "funday"]}, "calendar.working_days"),
    ("a day number", {"working_days": [1]}, "calendar.working_days"),
    ("days as one text", {"working_days": "mon-fri"}, "calendar.working_days"),
    ("a holiday that does not exist", {"holidays": ["2026-02-30"]}, "calendar.holidays"),
    ("a holiday written the local way", {"holidays": ["25/12/2026"]}, "calendar.holidays"),
    ("a holiday with a time", {"holidays": ["2026-12-25T00:00"]}, "calendar.holidays"),
    ("a holiday as a number", {"holidays": [20261225]}, "calendar.holidays"),
    ("a holiday in wide digits", {"holidays": ["\uff12\uff10\uff12\uff16-12-25"]},
     "calendar.holidays"),
    ("a holiday with a new line", {"holidays": ["2026-12-25\n"]}, "calendar.holidays"),
    ("holidays as one text", {"holidays": "2026-12-25"}, "calendar.holidays"),
    ("a misspelt field", {"holiday": ["2026-12-25"]}, "calendar"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_CALENDARS,
                         ids=[c[0] for c in BAD_CALENDARS])
def test_a_bad_calendar_is_refused_naming_the_field(case: str, change: dict[str, Any],
                                                    field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar({**ISSUE_CALENDAR, **change})
    assert refused.value.field == field
    assert refused.value.message.startswith(field)


def test_a_calendar_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_calendar(["Europe/Brussels"])  # type: ignore[arg-type]
    assert refused.value.field == "calendar"


def test_a_calendar_built_directly_keeps_the_same_rules() -> None:
    with pytest.raises(InvalidInput, match=r"calendar\.timezone"):
        Calendar("Nowhere/Land")
    with pytest.raises(InvalidInput, match=r"calendar\.working_days"):
        Calendar("UTC", working_days=frozenset())
    with pytest.raises(InvalidInput, match=r"calendar\.working_days"):
        Calendar("UTC", working_days=frozenset({7}))
    with pytest.raises(InvalidInput, match=r"calendar\.working_hours"):
        Calendar("UTC", opens=600, closes=540)


def test_a_clock_time_is_read_in_minutes_and_24_00_only_as_an_end() -> None:
    assert parse_clock("00:00", "f") == 0
    assert parse_clock("9:05", "f") == 545
    assert parse_clock("23:59", "f") == 1439
    assert parse_clock("24:00", "f", end_of_day=True) == 1440
    for bad in ("24:00", "12:5", "1200", "12:00:00", " 12:00", "", None, 12):
        with pytest.raises(InvalidInput) as refused:
            parse_clock(bad, "f")
        assert refused.value.field == "f"


# -- days ------------------------------------------------------------------------------


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert CAL.is_working_day(date(2026, 12, 22))  # Tuesday
    assert not CAL.is_working_day(date(2026, 12, 19))  # Saturday
    assert not CAL.is_working_day(date(2026, 12, 25))  # Christmas, a Friday
    assert CAL.is_holiday(date(2026, 12, 25))


def test_the_next_working_day_after_christmas_eve_is_the_monday_after() -> None:
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert CAL.next_working_day(date(2026, 12, 18)) == date(2026, 12, 21)  # Fri -> Mon


def test_counting_working_days_skips_weekends_and_holidays() -> None:
    assert CAL.nth_working_day_after(date(2026, 12, 22), 0) == date(2026, 12, 22)
    assert CAL.nth_working_day_after(date(2026, 12, 22), 3) == date(2026, 12, 28)
    with pytest.raises(ValueError, match="negative"):
        CAL.nth_working_day_after(date(2026, 12, 22), -1)


def test_a_calendar_without_working_time_for_ten_years_is_reported_not_searched_forever() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=w) for w in range(600)]
    cal = brussels_calendar(working_days=["mon"], holidays=[d.isoformat() for d in mondays])
    with pytest.raises(InvalidInput) as refused:
        cal.next_working_day(date(2026, 1, 1))
    assert refused.value.field == "calendar.holidays"
    with pytest.raises(InvalidInput):
        cal.add_working_time(brussels(2026, 1, 1), timedelta(hours=1))


# -- wall clock to instants ------------------------------------------------------------


def test_a_time_the_spring_change_skips_means_the_instant_the_clock_jumps() -> None:
    # 02:30 never shows on 29 March: the clock jumps from 02:00 CET to 03:00 CEST.
    assert CAL.at(date(2026, 3, 29), time(2, 30)) == utc(2026, 3, 29, 1, 0)
    assert CAL.at(date(2026, 3, 29), time(3, 0)) == utc(2026, 3, 29, 1, 0)
    assert CAL.at(date(2026, 3, 29), time(1, 59)) == utc(2026, 3, 29, 0, 59)


def test_a_time_the_autumn_change_repeats_means_its_first_showing() -> None:
    # Compared in UTC: a local 02:30 of that night equals no datetime of another zone.
    assert CAL.at(date(2026, 10, 25), time(2, 30)) == utc(2026, 10, 25, 0, 30)
    assert CAL.at(date(2026, 10, 25), time(3, 0)) == utc(2026, 10, 25, 2, 0)


def test_the_end_of_a_local_day_is_its_next_midnight_whatever_its_length() -> None:
    assert CAL.end_of_local_day(date(2026, 3, 28)) == utc(2026, 3, 28, 23, 0)
    assert CAL.end_of_local_day(date(2026, 3, 29)) == utc(2026, 3, 29, 22, 0)  # 23 h day
    assert CAL.end_of_local_day(date(2026, 10, 25)) == utc(2026, 10, 25, 23, 0)  # 25 h day
    assert CAL.end_of_local_day(utc(2026, 12, 22, 23, 30)) == utc(2026, 12, 23, 23, 0)


def test_the_end_of_a_day_whose_midnight_is_skipped_is_the_instant_the_clock_jumps() -> None:
    # Santiago skips 6 September 2026 00:00-00:59: the day after the 5th starts at 01:00.
    chile = brussels_calendar(timezone="America/Santiago")
    end = chile.end_of_local_day(date(2026, 9, 5))
    assert end == utc(2026, 9, 6, 4, 0)
    assert end.astimezone(ZoneInfo("America/Santiago")).time() == time(1, 0)


def test_a_naive_datetime_is_refused_as_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(datetime(2026, 12, 22, 11, 40), timedelta(hours=1))


# -- working time ----------------------------------------------------------------------


def test_the_desk_is_open_from_opening_up_to_but_not_at_closing() -> None:
    assert CAL.is_working_time(brussels(2026, 12, 22, 9, 0))
    assert CAL.is_working_time(brussels(2026, 12, 22, 16, 59))
    assert not CAL.is_working_time(brussels(2026, 12, 22, 17, 0))
    assert not CAL.is_working_time(brussels(2026, 12, 25, 11, 0))


def test_the_next_working_moment_is_now_when_open_else_the_next_opening() -> None:
    assert CAL.next_working_moment(brussels(2026, 12, 22, 11, 40)) == brussels(2026, 12, 22, 11, 40)
    assert CAL.next_working_moment(brussels(2026, 12, 22, 17, 0)) == brussels(2026, 12, 23, 9, 0)
    assert CAL.next_working_moment(brussels(2026, 12, 24, 18, 0)) == brussels(2026, 12, 28, 9, 0)


def test_adding_working_hours_on_a_friday_afternoon_before_the_spring_change() -> None:
    # 1 h on Friday (CET), the other 3 h on Monday morning (CEST).
    due = CAL.add_working_time(brussels(2026, 3, 27, 16, 0), timedelta(hours=4))
    assert due == brussels(2026, 3, 30, 12, 0)
    assert due == utc(2026, 3, 30, 10, 0)
    assert due.tzinfo is UTC  # instants come back in UTC; Calendar.local shows them
    assert CAL.local(due).isoformat() == "2026-03-30T12:00:00+02:00"


def test_adding_working_hours_by_number_is_adding_that_much_working_time() -> None:
    assert CAL.add_working_hours(brussels(2026, 12, 22, 16, 0), 1.5) \
        == brussels(2026, 12, 23, 9, 30)


def test_adding_working_hours_around_the_autumn_change() -> None:
    due = CAL.add_working_time(brussels(2026, 10, 23, 15, 30), timedelta(hours=3))
    assert due == brussels(2026, 10, 26, 10, 30)
    assert due == utc(2026, 10, 26, 9, 30)  # CET again: UTC+1


def test_a_working_day_used_up_exactly_ends_at_its_close_not_the_next_opening() -> None:
    assert CAL.add_working_time(brussels(2026, 12, 22, 9, 0), timedelta(hours=8)) \
        == brussels(2026, 12, 22, 17, 0)
    assert CAL.add_working_time(brussels(2026, 12, 22, 17, 0), timedelta(minutes=1)) \
        == brussels(2026, 12, 23, 9, 1)


def test_adding_working_hours_skips_a_holiday_and_the_weekend() -> None:
    assert CAL.add_working_time(brussels(2026, 12, 24, 16, 0), timedelta(hours=3)) \
        == brussels(2026, 12, 28, 11, 0)


def test_adding_nothing_returns_the_start_and_a_negative_amount_is_refused() -> None:
    saturday = brussels(2026, 12, 19, 10, 0)
    assert CAL.add_working_time(saturday, timedelta(0)) == saturday
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(saturday, timedelta(minutes=-1))


def test_working_hours_are_real_hours_so_a_spring_day_has_23_and_an_autumn_day_25() -> None:
    assert ALWAYS.working_time_between(brussels(2026, 3, 29), brussels(2026, 3, 30)) \
        == timedelta(hours=23)
    assert ALWAYS.working_time_between(brussels(2026, 10, 25), brussels(2026, 10, 26)) \
        == timedelta(hours=25)
    assert ALWAYS.add_working_time(brussels(2026, 3, 28, 12, 0), timedelta(hours=24)) \
        == brussels(2026, 3, 29, 13, 0)


def test_working_hours_inside_the_skipped_hour_give_no_working_time_that_day() -> None:
    night = brussels_calendar(working_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                              working_hours=["02:00", "03:00"])
    assert night.window(date(2026, 3, 29)) == (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 0))
    assert night.add_working_time(brussels(2026, 3, 28, 2, 30), timedelta(hours=1)) \
        == brussels(2026, 3, 30, 2, 30)


def test_working_hours_across_the_repeated_hour_count_both_of_its_hours() -> None:
    night = brussels_calendar(working_days=["sun"], working_hours=["01:00", "04:00"])
    assert night.working_time_between(brussels(2026, 10, 25), brussels(2026, 10, 26)) \
        == timedelta(hours=4)


def test_working_time_left_counts_only_open_hours_and_goes_negative_once_overdue() -> None:
    assert CAL.working_time_between(brussels(2026, 12, 22, 11, 40), brussels(2026, 12, 22, 17)) \
        == timedelta(hours=5, minutes=20)
    assert CAL.working_time_between(brussels(2026, 3, 27, 16), brussels(2026, 3, 30, 12)) \
        == timedelta(hours=4)
    assert CAL.working_time_between(brussels(2026, 12, 24, 16), brussels(2026, 12, 28, 10)) \
        == timedelta(hours=2)
    assert CAL.working_time_between(brussels(2026, 12, 23, 10), brussels(2026, 12, 22, 17)) \
        == timedelta(hours=-1)
    assert CAL.working_time_between(brussels(2026, 12, 19), brussels(2026, 12, 20)) \
        == timedelta(0)


def test_the_end_of_the_working_day_is_todays_close_or_the_next_working_days() -> None:
    assert CAL.end_of_working_day(brussels(2026, 12, 22, 11, 40)) == brussels(2026, 12, 22, 17)
    assert CAL.end_of_working_day(brussels(2026, 12, 22, 7, 0)) == brussels(2026, 12, 22, 17)
    assert CAL.end_of_working_day(brussels(2026, 12, 22, 17, 0)) == brussels(2026, 12, 22, 17)
    assert CAL.end_of_working_day(brussels(2026, 12, 22, 17, 1)) == brussels(2026, 12, 23, 17)
    assert CAL.end_of_working_day(brussels(2026, 12, 19, 10, 0)) == brussels(2026, 12, 21, 17)
    assert CAL.end_of_working_day(brussels(2026, 12, 24, 18, 0)) == brussels(2026, 12, 28, 17)


def test_a_working_window_is_given_as_utc_instants() -> None:
    opens, closes = CAL.window(date(2026, 3, 30)) or (None, None)
    assert opens == utc(2026, 3, 30, 7, 0)
    assert closes == utc(2026, 3, 30, 15, 0)
    assert CAL.window(date(2026, 3, 28)) is None
