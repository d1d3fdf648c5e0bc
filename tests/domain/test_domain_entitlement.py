"""Due dates and entitlement sentences at arrival, as a person would write them by hand.

Dates in 2026: Tue 22 Dec, Thu 24 Dec (eve of the Christmas holiday), Fri 25 Dec (holiday);
Brussels clocks go forward on Sun 29 Mar and back on Sun 25 Oct.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from agreement_builders import BRUSSELS, ISSUE_CALENDAR, agreement, brussels, utc

from flowdesk.domain.agreements import Agreement, parse_cut_off, parse_target
from flowdesk.domain.calendars import parse_calendar
from flowdesk.domain.entitlement import due_at, entitle

SAME_DAY = agreement(1, "working_days", cut_off="12:00")


# -- the issue's example, exactly ------------------------------------------------------


def issue_agreement() -> Agreement:
    return Agreement(
        id=1, version=1, service_id=1,
        calendar=parse_calendar(ISSUE_CALENDAR),
        target=parse_target({"value": 1, "unit": "working_days", "share": 0.85}),
        cut_off=parse_cut_off("12:00"),
    )


def test_the_issue_example_a_request_at_11_40_on_a_tuesday_is_due_17_00_that_tuesday() -> None:
    entitlement = entitle(issue_agreement(), brussels(2026, 12, 22, 11, 40))
    assert entitlement.due_at == brussels(2026, 12, 22, 17, 0)
    assert entitlement.text == ("same day: received Tue 11:40, before the 12:00 cut-off; "
                                "due Tue 17:00 (Europe/Brussels)")


def test_the_issue_example_a_request_at_12_10_is_due_17_00_wednesday() -> None:
    entitlement = entitle(issue_agreement(), brussels(2026, 12, 22, 12, 10))
    assert entitlement.due_at == brussels(2026, 12, 23, 17, 0)
    assert entitlement.text == ("next working day: received Tue 12:10, after the 12:00 "
                                "cut-off; due Wed 17:00 (Europe/Brussels)")


def test_the_issue_example_a_request_on_a_saturday_is_due_17_00_the_next_working_day() -> None:
    entitlement = entitle(issue_agreement(), brussels(2026, 12, 19, 10, 0))
    assert entitlement.due_at == brussels(2026, 12, 21, 17, 0)
    assert entitlement.text == ("next working day: received Sat 10:00, not a working day; "
                                "due Mon 17:00 (Europe/Brussels)")


def test_the_issue_example_a_request_on_the_25th_is_due_17_00_the_next_working_day() -> None:
    entitlement = entitle(issue_agreement(), brussels(2026, 12, 25, 10, 0))
    assert entitlement.due_at == brussels(2026, 12, 28, 17, 0)
    assert entitlement.text == ("next working day: received Fri 10:00, a holiday; "
                                "due Mon 17:00 (Europe/Brussels)")


def test_an_entitlement_records_the_agreement_version_and_the_arrival() -> None:
    arrived = brussels(2026, 12, 22, 11, 40)
    entitlement = entitle(issue_agreement(), arrived)
    assert (entitlement.agreement_id, entitlement.agreement_version) == (1, 1)
    assert entitlement.arrived_at == arrived
    assert entitlement.due_at.tzinfo is not None


# -- cut-offs --------------------------------------------------------------------------


@pytest.mark.parametrize(("arrived", "due"), [
    (brussels(2026, 12, 22, 11, 59), brussels(2026, 12, 22, 17, 0)),
    (brussels(2026, 12, 22, 12, 0), brussels(2026, 12, 22, 17, 0)),  # "by noon": in time
    (brussels(2026, 12, 22, 12, 0, 59), brussels(2026, 12, 22, 17, 0)),  # still "12:00"
    (brussels(2026, 12, 22, 12, 1), brussels(2026, 12, 23, 17, 0)),
    (brussels(2026, 12, 22, 0, 5), brussels(2026, 12, 22, 17, 0)),  # before opening counts
    (brussels(2026, 12, 22, 17, 30), brussels(2026, 12, 23, 17, 0)),  # after closing
], ids=["11:59", "12:00", "12:00:59", "12:01", "00:05", "17:30"])
def test_the_cut_off_minute_itself_is_in_time(arrived: datetime, due: datetime) -> None:
    assert due_at(SAME_DAY, arrived) == due


def test_arriving_on_the_cut_off_minute_says_by_the_cut_off() -> None:
    assert entitle(SAME_DAY, brussels(2026, 12, 22, 12, 0)).text == (
        "same day: received Tue 12:00, by the 12:00 cut-off; due Tue 17:00 (Europe/Brussels)")


def test_a_friday_afternoon_request_is_due_monday_at_closing() -> None:
    entitlement = entitle(SAME_DAY, brussels(2026, 12, 18, 14, 30))
    assert entitlement.due_at == brussels(2026, 12, 21, 17, 0)
    assert entitlement.text == ("next working day: received Fri 14:30, after the 12:00 "
                                "cut-off; due Mon 17:00 (Europe/Brussels)")


def test_on_the_eve_of_a_holiday_a_morning_request_is_due_that_evening() -> None:
    assert due_at(SAME_DAY, brussels(2026, 12, 24, 11, 0)) == brussels(2026, 12, 24, 17, 0)


def test_on_the_eve_of_a_holiday_a_late_request_waits_for_the_holiday_and_weekend() -> None:
    entitlement = entitle(SAME_DAY, brussels(2026, 12, 24, 12, 30))
    assert entitlement.due_at == brussels(2026, 12, 28, 17, 0)
    assert entitlement.text == ("next working day: received Thu 12:30, after the 12:00 "
                                "cut-off; due Mon 17:00 (Europe/Brussels)")


def test_a_cut_off_with_a_due_time_makes_requests_due_at_that_time() -> None:
    by_four = agreement(cut_off="12:00", due_by="16:00")
    assert due_at(by_four, brussels(2026, 12, 22, 11, 40)) == brussels(2026, 12, 22, 16, 0)
    assert due_at(by_four, brussels(2026, 12, 22, 12, 10)) == brussels(2026, 12, 23, 16, 0)


def test_with_a_cut_off_two_working_days_count_the_arrival_day_as_day_1_when_in_time() -> None:
    two = agreement(2, cut_off="12:00")
    early, late = entitle(two, brussels(2026, 12, 22, 11, 40)), \
        entitle(two, brussels(2026, 12, 22, 12, 10))
    assert early.due_at == brussels(2026, 12, 23, 17, 0)
    assert early.text == ("2 working days: received Tue 11:40, before the 12:00 cut-off, "
                          "so day 1 is Tue; due Wed 17:00 (Europe/Brussels)")
    assert late.due_at == brussels(2026, 12, 24, 17, 0)
    assert late.text == ("2 working days: received Tue 12:10, after the 12:00 cut-off, "
                         "so day 1 is Wed; due Thu 17:00 (Europe/Brussels)")


def test_with_a_cut_off_calendar_days_count_from_the_first_working_day_in_time() -> None:
    two = agreement(2, "calendar_days", cut_off="12:00")
    assert due_at(two, brussels(2026, 12, 18, 11, 0)) == brussels(2026, 12, 19, 17, 0)
    late = entitle(two, brussels(2026, 12, 18, 12, 10))
    assert late.due_at == brussels(2026, 12, 22, 17, 0)
    assert late.text == ("2 calendar days: received Fri 12:10, after the 12:00 cut-off, "
                         "so day 1 is Mon; due Tue 17:00 (Europe/Brussels)")


# -- across the spring change (Sun 29 March 2026) --------------------------------------


def test_friday_16_00_with_4_working_hours_before_the_spring_change_is_due_monday_noon() -> None:
    entitlement = entitle(agreement(4, "working_hours"), brussels(2026, 3, 27, 16, 0))
    assert entitlement.due_at == brussels(2026, 3, 30, 12, 0)
    assert entitlement.due_at == utc(2026, 3, 30, 10, 0)  # CEST, UTC+2
    assert entitlement.text == ("4 working hours: received Fri 16:00, within working hours; "
                                "due Mon 12:00 (Europe/Brussels)")


def test_friday_16_00_with_8_working_hours_before_the_spring_change_is_due_monday_16_00() -> None:
    assert due_at(agreement(8, "working_hours"), brussels(2026, 3, 27, 16, 0)) \
        == utc(2026, 3, 30, 14, 0)


def test_one_working_day_keeps_the_clock_time_across_the_spring_change() -> None:
    # Friday 11:00 CET to Monday 11:00 CEST is 71 real hours, not 72: people read clocks.
    entitlement = entitle(agreement(1), brussels(2026, 3, 27, 11, 0))
    assert entitlement.due_at == utc(2026, 3, 30, 9, 0)
    assert entitlement.text == (
        "1 working day: received Fri 11:00, within working hours, so due at the same time "
        "1 working day later; due Mon 11:00 (Europe/Brussels)")


@pytest.mark.parametrize(("arrived", "due"), [
    (brussels(2026, 3, 27, 11, 40), utc(2026, 3, 27, 16, 0)),  # Fri 17:00 CET
    (brussels(2026, 3, 27, 12, 10), utc(2026, 3, 30, 15, 0)),  # Mon 17:00 CEST
    (brussels(2026, 3, 28, 23, 30), utc(2026, 3, 30, 15, 0)),
    (utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 15, 0)),  # the very instant of the change
], ids=["Fri 11:40", "Fri 12:10", "Sat 23:30", "Sun 03:00 CEST"])
def test_a_same_day_agreement_across_the_spring_change(arrived: datetime, due: datetime) -> None:
    assert due_at(SAME_DAY, arrived) == due


# -- across the autumn change (Sun 25 October 2026) ------------------------------------


@pytest.mark.parametrize(("arrived", "due"), [
    (brussels(2026, 10, 23, 11, 40), utc(2026, 10, 23, 15, 0)),  # Fri 17:00 CEST
    (brussels(2026, 10, 23, 12, 10), utc(2026, 10, 26, 16, 0)),  # Mon 17:00 CET
    (utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 16, 0)),  # Sun 02:30 CEST
    (utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 16, 0)),  # Sun 02:30 CET, an hour later
    (brussels(2026, 10, 26, 11, 59), utc(2026, 10, 26, 16, 0)),
], ids=["Fri 11:40", "Fri 12:10", "Sun 02:30 CEST", "Sun 02:30 CET", "Mon 11:59"])
def test_a_same_day_agreement_across_the_autumn_change(arrived: datetime, due: datetime) -> None:
    assert due_at(SAME_DAY, arrived) == due


def test_an_arrival_in_the_repeated_hour_says_which_of_the_two_it_was() -> None:
    first, second = entitle(SAME_DAY, utc(2026, 10, 25, 0, 30)), \
        entitle(SAME_DAY, utc(2026, 10, 25, 1, 30))
    assert first.text == ("next working day: received Sun 02:30 CEST, not a working day; "
                          "due Mon 17:00 (Europe/Brussels)")
    assert second.text == ("next working day: received Sun 02:30 CET, not a working day; "
                           "due Mon 17:00 (Europe/Brussels)")


def test_working_hours_from_a_friday_afternoon_across_the_autumn_change() -> None:
    assert due_at(agreement(4, "working_hours"), brussels(2026, 10, 23, 16, 0)) \
        == utc(2026, 10, 26, 11, 0)  # Mon 12:00 CET, UTC+1


def test_one_calendar_day_over_the_autumn_change_keeps_the_clock_time_and_lasts_25_hours() -> None:
    arrived = brussels(2026, 10, 24, 10, 0)
    due = due_at(agreement(1, "calendar_days"), arrived)
    assert due == brussels(2026, 10, 25, 10, 0)
    assert (due - arrived).total_seconds() == 25 * 3600


def test_one_calendar_day_onto_the_skipped_hour_is_due_when_the_clock_jumps() -> None:
    arrived = datetime(2026, 3, 28, 2, 30, 0, 500_000, tzinfo=BRUSSELS)
    assert due_at(agreement(1, "calendar_days"), arrived) == utc(2026, 3, 29, 1, 0)


def test_a_clock_time_target_follows_the_clock_through_the_repeated_hour() -> None:
    # 02:50 CEST, then 40 minutes later 02:10 CET: one calendar day later is 02:50 and
    # 02:10 on Monday, as a person reading the clock would write. Only in this hour may
    # a later arrival get an earlier due time.
    one_day = agreement(1, "calendar_days")
    assert due_at(one_day, utc(2026, 10, 25, 0, 50)) == brussels(2026, 10, 26, 2, 50)
    assert due_at(one_day, utc(2026, 10, 25, 1, 10)) == brussels(2026, 10, 26, 2, 10)


# -- sentences for every case ----------------------------------------------------------

SENTENCES = [
    (agreement(4, "working_hours"), brussels(2026, 12, 22, 7, 30),
     "4 working hours: received Tue 07:30, before opening, counted from Tue 09:00; "
     "due Tue 13:00 (Europe/Brussels)"),
    (agreement(4, "working_hours"), brussels(2026, 12, 22, 18, 0),
     "4 working hours: received Tue 18:00, after closing, counted from Wed 09:00; "
     "due Wed 13:00 (Europe/Brussels)"),
    (agreement(4, "working_hours"), brussels(2026, 12, 19, 10, 0),
     "4 working hours: received Sat 10:00, not a working day, counted from Mon 09:00; "
     "due Mon 13:00 (Europe/Brussels)"),
    (agreement(4, "working_hours"), brussels(2026, 12, 25, 10, 0),
     "4 working hours: received Fri 10:00, a holiday, counted from Mon 09:00; "
     "due Mon 13:00 (Europe/Brussels)"),
    (agreement(1.5, "working_hours"), brussels(2026, 12, 22, 16, 0),
     "1.5 working hours: received Tue 16:00, within working hours; "
     "due Wed 09:30 (Europe/Brussels)"),
    (agreement(1), brussels(2026, 12, 22, 8, 0),
     "1 working day: received Tue 08:00, before opening, so day 1 is Tue; "
     "due Tue 17:00 (Europe/Brussels)"),
    (agreement(1), brussels(2026, 12, 22, 9, 0),
     "1 working day: received Tue 09:00, at opening, so day 1 is Tue; "
     "due Tue 17:00 (Europe/Brussels)"),
    (agreement(1), brussels(2026, 12, 22, 18, 0),
     "1 working day: received Tue 18:00, after closing, so day 1 is Wed; "
     "due Wed 17:00 (Europe/Brussels)"),
    (agreement(2), brussels(2026, 12, 24, 15, 0),
     "2 working days: received Thu 15:00, within working hours, so due at the same time "
     "2 working days later; due Tue 15:00 (Europe/Brussels)"),
    (agreement(2), brussels(2026, 12, 25, 15, 0),
     "2 working days: received Fri 15:00, a holiday, so day 1 is Mon; "
     "due Tue 17:00 (Europe/Brussels)"),
    (agreement(3, "calendar_days"), brussels(2026, 12, 18, 11, 40),
     "3 calendar days: received Fri 11:40; due Mon 11:40 (Europe/Brussels)"),
    (agreement(1, "calendar_days", cut_off="12:00"), brussels(2026, 12, 19, 9, 0),
     "1 calendar day: received Sat 09:00, not a working day, so day 1 is Mon; "
     "due Mon 17:00 (Europe/Brussels)"),
    (agreement(10), brussels(2026, 12, 22, 11, 40),
     "10 working days: received Tue 22 Dec 2026 11:40, within working hours, so due at the "
     "same time 10 working days later; due Wed 6 Jan 2027 11:40 (Europe/Brussels)"),
    (agreement(8), brussels(2026, 3, 3, 11, 40),
     "8 working days: received Tue 3 Mar 11:40, within working hours, so due at the same "
     "time 8 working days later; due Fri 13 Mar 11:40 (Europe/Brussels)"),
]


@pytest.mark.parametrize(("terms", "arrived", "text"), SENTENCES,
                         ids=[s[2].split(";")[0] for s in SENTENCES])
def test_every_case_has_a_sentence_for_people(terms: Agreement, arrived: datetime,
                                              text: str) -> None:
    assert entitle(terms, arrived).text == text


def test_the_sentence_is_in_the_calendars_zone_whatever_zone_the_arrival_came_in() -> None:
    entitlement = entitle(SAME_DAY, utc(2026, 12, 22, 10, 40))  # 11:40 in Brussels
    assert entitlement.text.startswith("same day: received Tue 11:40")


def test_another_zone_gives_its_own_clock_times_and_says_so() -> None:
    tokyo = agreement(cut_off="12:00", calendar=parse_calendar(
        {**ISSUE_CALENDAR, "timezone": "Asia/Tokyo", "holidays": []}))
    entitlement = entitle(tokyo, utc(2026, 12, 22, 2, 40))  # 11:40 in Tokyo
    assert entitlement.due_at == utc(2026, 12, 22, 8, 0)
    assert entitlement.text == ("same day: received Tue 11:40, before the 12:00 cut-off; "
                                "due Tue 17:00 (Asia/Tokyo)")


def test_a_naive_arrival_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        entitle(SAME_DAY, datetime(2026, 12, 22, 11, 40))
