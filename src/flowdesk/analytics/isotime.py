"""Vectorised ISO 8601 timestamp parsing over fixed-width byte matrices.

Accepted: ``YYYY-MM-DD[T ]HH:MM:SS`` then an optional fraction (``.`` and 1-9 digits,
kept to the microsecond) and an optional offset (``Z``, ``+HH:MM``, ``+HHMM`` or ``+HH``).
A time without an offset is local time in the workflow's zone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import I64, U8, US_PER_SECOND, Bool
from flowdesk.analytics.textcodes import field_words, padded, windows
from flowdesk.analytics.timezones import Zone

_ZERO = ord("0")
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def days_from_civil(year: I64, month: I64, day: I64) -> I64:
    """Return days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: I64 = era * 146097 + doe - 719468
    return days


def _digits(matrix: U8, first: int, count: int) -> tuple[I64, Bool]:
    """Return the number written in columns [first, first+count) and whether all are digits."""
    value = np.zeros(matrix.shape[0], dtype=np.int64)
    ok = np.ones(matrix.shape[0], dtype=bool)
    for column in range(first, first + count):
        digit = matrix[:, column].astype(np.int64) - _ZERO
        ok &= (digit >= 0) & (digit <= 9)
        value = value * 10 + digit
    return value, ok


def _from_end(matrix: U8, lengths: I64, uniform: int | None) -> list[I64]:
    """Return the bytes 1..6 places from each field's end (index k-1 = k places), as int64;
    column slices when every field has the same length, else per-row gathers."""
    out = []
    rows = np.arange(matrix.shape[0])
    for back in range(1, 7):  # the offset is at most six characters
        if uniform is not None:
            column = uniform - back
            picked = matrix[:, column] if 0 <= column < matrix.shape[1] else None
            out.append(np.zeros(matrix.shape[0], dtype=np.int64) if picked is None
                       else picked.astype(np.int64))
            continue
        where = lengths - back
        inside = (where >= 0) & (where < matrix.shape[1])
        picked = matrix[rows, np.clip(where, 0, matrix.shape[1] - 1)].astype(np.int64)
        out.append(np.where(inside, picked, 0))
    return out


def _is_digit(char: I64) -> Bool:
    mask: Bool = (char >= _ZERO) & (char <= _ZERO + 9)
    return mask


_FIRST_YEAR, _LAST_YEAR = 1900, 2199


def _month_starts() -> I64:
    """Return days since 1970-01-01 of the 1st of every month from 1900 to 2199."""
    years = np.repeat(np.arange(_FIRST_YEAR, _LAST_YEAR + 1, dtype=np.int64), 12)
    months = np.tile(np.arange(1, 13, dtype=np.int64), _LAST_YEAR - _FIRST_YEAR + 1)
    return days_from_civil(years, months, np.ones_like(years))


_MONTH_STARTS = _month_starts()
_MONTH_LENGTHS = np.diff(np.append(_MONTH_STARTS, days_from_civil(
    np.array([_LAST_YEAR + 1]), np.array([1]), np.array([1]))))


def _number(digits: U8, first: int, count: int) -> npt.NDArray[np.int32]:
    """Return the number in character rows [first, first+count) of transposed digits."""
    value: npt.NDArray[np.int32] = digits[first].astype(np.int32)
    for column in range(first + 1, first + count):
        value = value * 10 + digits[column]
    return value


def _parse_regular(matrix: U8, length: int, zone: Zone) -> tuple[I64, Bool] | None:
    """Parse a chunk whose timestamps all share one layout (the usual export), checking
    digits and separators once for the whole chunk; None when the chunk is not like that.
    """
    if length not in (19, 20, 25) or matrix.shape[1] < length:
        return None
    # One character per row after transposing: column reads of the row-major matrix
    # would each sweep the whole matrix through the cache.
    chars = np.ascontiguousarray(matrix[:, :length].T)
    digits = chars - np.uint8(_ZERO)  # wraps: non-digits become >= 10
    for first, count in ((0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2)):
        if not np.all(digits[first : first + count] < 10):
            return None
    for column, char in ((4, "-"), (7, "-"), (13, ":"), (16, ":")):
        if not np.all(chars[column] == ord(char)):
            return None
    if not np.all((chars[10] == ord("T")) | (chars[10] == ord(" "))):
        return None
    offset_us: I64 | int = 0
    if length == 20 and not np.all(chars[19] == ord("Z")):
        return None
    if length == 25:
        sign = chars[19]
        if not (np.all((sign == ord("+")) | (sign == ord("-")))
                and np.all(chars[22] == ord(":"))
                and np.all(digits[20:22] < 10) and np.all(digits[23:25] < 10)):
            return None
        off_h, off_m = _number(digits, 20, 2), _number(digits, 23, 2)
        off_ok = (off_h <= 23) & (off_m <= 59)  # as the general path: +05:99 is no offset
        minutes = (off_h * 60 + off_m).astype(np.int64)
        offset_us = np.where(sign == ord("-"), -minutes, minutes) * (60 * US_PER_SECOND)
    year = _number(digits, 0, 4)
    if int(year.min()) < _FIRST_YEAR or int(year.max()) > _LAST_YEAR:
        return None
    month, day = _number(digits, 5, 2), _number(digits, 8, 2)
    hour, minute, second = _number(digits, 11, 2), _number(digits, 14, 2), _number(digits, 17, 2)
    month_index = (year - _FIRST_YEAR) * 12 + np.clip(month, 1, 12) - 1
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= _MONTH_LENGTHS[month_index])
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    if length == 25:
        ok &= off_ok
    date = _MONTH_STARTS[month_index] + (day - 1)
    clock = hour * 3600 + minute * 60 + second
    local_us = (date * 86_400 + clock) * US_PER_SECOND
    result = zone.to_utc(np.where(ok, local_us, 0)) if length == 19 else local_us - offset_us
    return np.where(ok, result, 0), ok


def parse_iso(matrix: U8, lengths: I64, zone: Zone) -> tuple[I64, Bool]:
    """Parse one timestamp per row of a zero-padded byte matrix.

    Returns (epoch microseconds UTC, readable mask); unreadable rows hold 0.
    """
    n = matrix.shape[0]
    if n and bool(np.all(lengths == lengths[0])):
        regular = _parse_regular(matrix, int(lengths[0]), zone)
        if regular is not None:
            return regular
    if matrix.shape[1] < 29:
        pad = np.zeros((n, 29 - matrix.shape[1]), dtype=np.uint8)
        matrix = np.hstack([matrix, pad])
    lengths = lengths.astype(np.int64)
    uniform = int(lengths[0]) if n and bool(np.all(lengths == lengths[0])) else None
    ok = lengths >= 19
    year, ok_y = _digits(matrix, 0, 4)
    month, ok_m = _digits(matrix, 5, 2)
    day, ok_d = _digits(matrix, 8, 2)
    hour, ok_h = _digits(matrix, 11, 2)
    minute, ok_n = _digits(matrix, 14, 2)
    second, ok_s = _digits(matrix, 17, 2)
    ok &= ok_y & ok_m & ok_d & ok_h & ok_n & ok_s
    ok &= (matrix[:, 4] == ord("-")) & (matrix[:, 7] == ord("-"))
    ok &= (matrix[:, 10] == ord("T")) | (matrix[:, 10] == ord(" "))
    ok &= (matrix[:, 13] == ord(":")) & (matrix[:, 16] == ord(":"))
    ok &= (month >= 1) & (month <= 12) & (day >= 1)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    ok &= (day <= month_days) & (hour <= 23) & (minute <= 59) & (second <= 59)

    # The offset, read from the end: "Z", "+HH:MM", "+HHMM" or "+HH".
    end = _from_end(matrix, lengths, uniform)
    plus, minus = ord("+"), ord("-")
    zulu = end[0] == ord("Z")
    long_form = ~zulu & (lengths >= 25) & ((end[5] == plus) | (end[5] == minus))
    long_form &= end[2] == ord(":")
    compact = ~zulu & ~long_form & (lengths >= 24) & ((end[4] == plus) | (end[4] == minus))
    hours_only = ~zulu & ~long_form & ~compact & (lengths >= 22)
    hours_only &= (end[2] == plus) | (end[2] == minus)
    offset_len = np.select([zulu, long_form, compact, hours_only], [1, 6, 5, 3], 0)
    sign_char = np.select([long_form, compact], [end[5], end[4]], end[2])
    sign = np.where(sign_char == minus, -1, 1)
    off_h = np.select([long_form, compact], [_pair(end[4], end[3]), _pair(end[3], end[2])],
                      _pair(end[1], end[0]))
    off_m = np.where(long_form | compact, _pair(end[1], end[0]), 0)
    has_offset = long_form | compact | hours_only
    ok &= ~has_offset | ((off_h >= 0) & (off_h <= 23) & (off_m >= 0) & (off_m <= 59))
    offset_us = np.where(has_offset, sign * (off_h * 3600 + off_m * 60), 0) * US_PER_SECOND

    # The fraction sits between the seconds and the offset: "." then 1-9 digits.
    fraction_len = lengths - offset_len - 19
    ok &= (fraction_len == 0) | ((fraction_len >= 2) & (fraction_len <= 10))
    has_fraction = fraction_len > 0
    micros = np.zeros(n, dtype=np.int64)
    if has_fraction.any():
        ok &= ~has_fraction | (matrix[:, 19] == ord("."))
        for place in range(1, 10):  # digit columns of the fraction
            present = fraction_len > place
            digit = matrix[:, 19 + place].astype(np.int64)
            ok &= ~present | _is_digit(digit)
            if place <= 6:
                micros += np.where(present, digit - _ZERO, 0) * 10 ** (6 - place)

    local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    local_us = local * US_PER_SECOND + micros
    naive = ~zulu & ~has_offset & ok
    result = local_us - offset_us
    if naive.any():
        result[naive] = zone.to_utc(local_us[naive])
    return np.where(ok, result, 0), ok


def parse_spans(buffer: U8, begin: I64, length: I64, zone: Zone) -> tuple[I64, Bool]:
    """Parse the timestamps found in ``buffer`` at ``begin`` (``length`` bytes each).

    Returns what :func:`parse_iso` returns. When every timestamp has one common layout,
    the characters are copied straight out of the buffer with no zero-padding pass.
    """
    n = begin.size
    if n and int(length.min()) == int(length.max()) and int(length[0]) in (19, 20, 25):
        size = int(length[0])
        width = -(-size // 8) * 8
        buffer = padded(buffer, int(begin.max()) + width)
        # Bytes past each timestamp belong to the next field; _parse_regular never reads them.
        matrix = windows(buffer, width)[begin].view(np.uint8).reshape(n, width)
        regular = _parse_regular(matrix, size, zone)
        if regular is not None:
            return regular
    words = field_words(buffer, begin, length)
    return parse_iso(words.view(np.uint8).reshape(n, 8 * words.shape[1]), length, zone)


def _pair(tens_char: I64, ones_char: I64) -> I64:
    """Return the two-digit number written by two characters, -1 if not two digits."""
    good = _is_digit(tens_char) & _is_digit(ones_char)
    return np.where(good, (tens_char - _ZERO) * 10 + ones_char - _ZERO, -1)
