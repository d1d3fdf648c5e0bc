"""The demo team's office hours: 08:30-17:00 in Brussels, Monday to Friday (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flowdesk.demo.calendar import WorkCalendar

BRUSSELS = WorkCalendar()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_work_left_at_closing_time_carries_over_to_the_next_morning() -> None:
    # Tuesday 3 March 2026, 15:00 UTC is 16:00 in Brussels: one hour left today.
    assert BRUSSELS.add_working_hours(utc(2026, 3, 3, 15), 3) == utc(2026, 3, 4, 9, 30)


def test_work_left_on_friday_evening_carries_over_to_monday() -> None:
    assert BRUSSELS.add_working_hours(utc(2026, 3, 6, 15), 2) == utc(2026, 3, 9, 8, 30)


def test_office_hours_follow_the_wall_clock_across_daylight_saving() -> None:
    # Brussels moves to summer time on 29 March 2026: 08:30 local is 07:30 UTC before, 06:30 after.
    assert BRUSSELS.next_opening(utc(2026, 3, 27, 20)) == utc(2026, 3, 30, 6, 30)
    assert BRUSSELS.next_opening(utc(2026, 3, 26, 20)) == utc(2026, 3, 27, 7, 30)


def test_the_office_is_closed_at_night_and_at_weekends() -> None:
    assert BRUSSELS.is_open(utc(2026, 3, 4, 10))
    assert not BRUSSELS.is_open(utc(2026, 3, 4, 19))
    assert not BRUSSELS.is_open(utc(2026, 3, 7, 10))  # a Saturday


def test_working_days_skip_the_weekend() -> None:
    assert BRUSSELS.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert BRUSSELS.working_days(utc(2026, 3, 6, 12), utc(2026, 3, 10, 12)) == [
        date(2026, 3, 6), date(2026, 3, 9), date(2026, 3, 10)]
