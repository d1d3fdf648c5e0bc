"""Dictionary-encoding text: every path of `unique_first_seen` gives what a plain Python
dict gives, the distinct strings in order of first appearance and each string's code."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.analytics.textcodes import _in_order, decode_array, unique_first_seen

# Keys that sort apart from where they appear ("FD-10" before "FD-9"), prefixes of each
# other, an empty string, a non-ASCII byte, and keys longer than one 8-byte word.
VALUES = [b"", b"a", b"b", b"FD-9", b"FD-10", b"zz", b"\xff", b"abcdefghij", b"abcdefghijk"]


def by_dict(strings: list[bytes]) -> tuple[list[bytes], list[int]]:
    seen: dict[bytes, int] = {}
    codes = [seen.setdefault(value, len(seen)) for value in strings]
    return list(seen), codes


def check(strings: list[bytes]) -> None:
    values, codes = unique_first_seen(np.array(strings, dtype="S11"))
    expected_values, expected_codes = by_dict(strings)
    assert values.tolist() == expected_values
    assert codes.tolist() == expected_codes


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VALUES), min_size=1, max_size=40),
       st.lists(st.integers(1, 3), min_size=40, max_size=40))
def test_codes_are_those_of_a_dict(strings: list[bytes], repeats: list[int]) -> None:
    check(strings)  # repeats anywhere: the general path
    # Runs of one value repeated, as where an item's rows span two chunks.
    check([value for value, times in zip(strings, repeats, strict=False) for _ in range(times)])


def test_keys_in_numeric_order_are_merged_as_neighbours() -> None:
    """Keys of growing length in numeric order (FD-10 after FD-9: not byte order), each
    split in two where chunks meet; and a key seen again far away, a real repeat."""
    keys = [f"FD-{n}".encode() for n in range(1, 200)]
    assert _in_order(np.array([key for key in keys for _ in range(2)]))
    check([key for key in keys for _ in range(2)])
    assert not _in_order(np.array(keys + keys[:1]))
    check(keys + keys[:1])


def test_unsorted_runs_take_the_neighbour_path() -> None:
    """Distinct runs in no order (newest item first), each split in two."""
    keys = [f"FD-{n}".encode() for n in range(199, 0, -1)]
    assert not _in_order(np.array(keys))
    check([key for key in keys for _ in range(2)])
    check(keys + keys[:1])  # one key seen again far away: a real repeat, not a neighbour


def test_decoded_keys_are_as_wide_as_the_longest_not_the_padding() -> None:
    # A dictionary of item keys comes padded to whole 8-byte words: 10 characters in 16
    # bytes. The str array must not carry that padding (4 bytes per character, for
    # every item), and must keep every character of the longest key, ASCII or not.
    keys = np.array([b"FD-0000001", b"FD-10000000", b"x"], dtype="S16")
    decoded = decode_array(keys)
    assert decoded.dtype == np.dtype("U11")
    assert decoded.tolist() == ["FD-0000001", "FD-10000000", "x"]
    accented = decode_array(np.array(["Zoë-1".encode(), b"a"], dtype="S16"))
    assert accented.tolist() == ["Zoë-1", "a"]
    assert accented.dtype == np.dtype("U5")
    assert decode_array(np.array([b"", b""], dtype="S8")).tolist() == ["", ""]
