"""Clocks: the domain takes time from a Clock and never reads the wall clock itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from flowdesk.domain.clock import FixedClock, SystemClock


def test_a_fixed_clock_returns_the_time_it_was_given() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert FixedClock(start).now() == start


def test_a_fixed_clock_does_not_move_by_itself() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now()


def test_a_fixed_clock_advances_when_told() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert clock.advance(timedelta(hours=3)) == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert clock.now() == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_fixed_clock_can_be_set_and_reports_utc() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    paris = timezone(timedelta(hours=1))
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=paris))
    assert clock.now() == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)


def test_a_fixed_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 3, 2, 9, 0))


def test_the_system_clock_is_timezone_aware_utc() -> None:
    assert SystemClock().now().utcoffset() == timedelta(0)
