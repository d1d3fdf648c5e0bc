"""Vectorised ISO 8601 parsing agrees with the standard library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.analytics.isotime import parse_iso
from flowdesk.analytics.timezones import Zone, to_us


def matrix_of(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    raw = [text.encode() for text in texts]
    width = max(8, max(len(r) for r in raw))
    width = -(-width // 8) * 8
    matrix = np.array(raw, dtype=f"S{width}").view(np.uint8).reshape(len(raw), width)
    return matrix, np.array([len(r) for r in raw], dtype=np.int64)


_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m)))
_moments = st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2190, 12, 31),
                        timezones=_offsets)


def _render(moment: datetime, style: int) -> str:
    if style == 0:
        return moment.isoformat(timespec="seconds")
    if style == 1:
        return moment.isoformat(timespec="microseconds").replace("T", " ")
    if style == 2:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = moment.isoformat(timespec="milliseconds")
    return text[:-3] + text[-2:]  # +HHMM


@settings(max_examples=200, deadline=None)
@given(moments=st.lists(st.tuples(_moments, st.integers(0, 3)), min_size=1, max_size=20))
def test_parses_like_fromisoformat(moments: list[tuple[datetime, int]]) -> None:
    texts = [_render(moment, style) for moment, style in moments]
    expected = [to_us(datetime.fromisoformat(text.replace("Z", "+00:00")))
                for text in texts]
    got, ok = parse_iso(*matrix_of(texts), Zone.parse("UTC"))
    assert ok.all()
    assert got.tolist() == expected


@given(st.lists(st.datetimes(min_value=datetime(2000, 1, 1),
                             max_value=datetime(2040, 1, 1)), min_size=1, max_size=10))
def test_local_times_use_the_zone(moments: list[datetime]) -> None:
    texts = [moment.replace(microsecond=0).isoformat() for moment in moments]
    zone = Zone.parse("+05:30")
    got, ok = parse_iso(*matrix_of(texts), zone)
    expected = [to_us(datetime.fromisoformat(t).replace(tzinfo=zone.info)) for t in texts]
    assert ok.all() and got.tolist() == expected


def test_rejects_what_is_not_a_timestamp() -> None:
    bad = ["2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z",
           "2024-01-01T00:60:00Z", "2024-01-01", "2024/01/01T00:00:00Z", "",
           "2024-01-01T00:00:00+25:00", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00 junk"]
    _, ok = parse_iso(*matrix_of(bad), Zone.parse("UTC"))
    assert not ok.any()


def test_daylight_saving_local_times_in_an_iana_zone() -> None:
    zone = Zone.parse("Europe/Brussels")
    got, ok = parse_iso(*matrix_of(["2024-03-31T01:30:00", "2024-03-31T03:30:00",
                                    "2024-10-27T02:30:00"]), zone)
    assert ok.all()
    as_text = got.astype("datetime64[us]").astype(str).tolist()
    # +01:00 before the change, +02:00 after; the repeated 02:30 is its first occurrence.
    assert as_text == ["2024-03-31T00:30:00.000000", "2024-03-31T01:30:00.000000",
                       "2024-10-27T00:30:00.000000"]


def test_offsets_with_minutes_over_59_or_hours_over_23_are_unreadable_in_both_paths() -> None:
    # Every row 25 characters long takes the fixed-width fast path; one longer row (a
    # fraction) sends the same offsets through the general path. Both must agree.
    bad = ["2024-03-01T09:00:00+05:99", "2024-03-01T09:00:00-00:60", "2024-03-01T09:00:00+24:00"]
    good = ["2024-03-01T09:00:00+05:59", "2024-03-01T09:00:00-23:00"]
    expected = [to_us(datetime(2024, 3, 1, 3, 1, tzinfo=UTC)),
                to_us(datetime(2024, 3, 2, 8, 0, tzinfo=UTC))]
    fast, fast_ok = parse_iso(*matrix_of(bad + good), Zone.parse("UTC"))
    assert fast_ok.tolist() == [False, False, False, True, True]
    assert fast.tolist() == [0, 0, 0, *expected]
    general = [*bad, *good, "2024-03-01T09:00:00.5Z"]
    slow, slow_ok = parse_iso(*matrix_of(general), Zone.parse("UTC"))
    assert slow_ok.tolist() == [False, False, False, True, True, True]
    assert slow.tolist()[:5] == [0, 0, 0, *expected]
