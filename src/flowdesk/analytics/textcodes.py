"""Dictionary-encoding of text fields without sorting millions of strings.

A field is read straight from the file's bytes as zero-padded little-endian uint64
words (one gather per field, no per-byte work). Fields with few distinct values
(states, attributes) are then found through a small verified hash table; item keys
collapse into runs of equal neighbours, since a history lists each item's rows
together.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import I32, I64, U8, U64, Bool, Bytes

_SLOT_BITS = 14
_SLOTS = 1 << _SLOT_BITS
#: More distinct values than this in one chunk and a field is not "few-valued".
_MAX_SMALL = 512
#: Odd 64-bit multipliers (golden ratio, then splitmix64's); a second one is tried when
#: two values of a chunk share a slot under the first.
_MIXES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9))


def padded(buffer: U8, reach: int) -> U8:
    """Return ``buffer``, or a zero-extended copy when it is shorter than ``reach``."""
    if buffer.size >= reach:
        return buffer
    out = np.zeros(reach, dtype=np.uint8)
    out[: buffer.size] = buffer
    return out


def windows(buffer: U8, width: int) -> Bytes:
    """Return overlapping ``width``-byte windows starting at every byte of ``buffer``
    (a view: indexing it with field starts copies each field once)."""
    count = max(buffer.size - width + 1, 0)
    view: Bytes = np.ndarray(shape=(count,), dtype=f"S{width}", buffer=buffer, strides=(1,))
    return view


_MASKS: dict[int, Bytes] = {}


def _prefix_masks(width: int) -> Bytes:
    """Return ``width``-byte strings of 0xFF then 0x00: entry L keeps a field's first L
    bytes."""
    if width not in _MASKS:
        keep = np.arange(width) < np.arange(width + 1)[:, None]
        _MASKS[width] = np.where(keep, 255, 0).astype(np.uint8).view(f"S{width}").ravel()
    return _MASKS[width]


def field_words(buffer: U8, begin: I64, length: I64) -> U64:
    """Return fields of ``buffer`` (at ``begin``, ``length`` bytes) as an (n, k) uint64
    matrix of their bytes, zero-padded to 8k bytes, k = ceil(longest / 8) (at least 1)."""
    n = begin.size
    longest = int(length.max()) if n else 0
    width = max(8, -(-longest // 8) * 8)
    if n:
        buffer = padded(buffer, int(begin.max()) + width)
    words: U64 = windows(buffer, width)[begin].view("<u8").reshape(n, width // 8)
    if n and int(length.min()) == longest:
        tail = longest - (width - 8)  # bytes of the field in its last word: 0 to 8
        if tail < 8:  # one length (keys, timestamps): clear the last word's tail only
            words[:, -1] &= np.uint64((1 << (8 * tail)) - 1)
    elif n:
        words &= _prefix_masks(width)[length].view("<u8").reshape(n, width // 8)
    return words


def as_bytes(words: U64) -> Bytes:
    """Return each row of a word matrix as one zero-padded byte string."""
    width = words.shape[1] * 8
    return np.ascontiguousarray(words).view(f"S{width}").ravel()


def _take_rows(words: U64, rows: npt.NDArray[np.intp] | I32 | I64) -> U64:
    """Return ``words[rows]`` through a 1-D fixed-width view (fast fancy indexing)."""
    taken: U64 = as_bytes(words)[rows].view("<u8").reshape(len(rows), words.shape[1])
    return taken


def _differs(words: U64) -> Bool:
    """Return, per row after the first, whether it differs from the row before."""
    change: Bool = words[1:, 0] != words[:-1, 0]
    for column in range(1, words.shape[1]):  # a few words per string
        change |= words[1:, column] != words[:-1, column]
    return change


def _slots(words: U64, mix: np.uint64) -> npt.NDArray[np.intp]:
    """Return a hash-table slot per row (multiplicative hashing, top bits)."""
    value = words[:, 0] * mix
    for column in range(1, words.shape[1]):  # a few words per string
        value ^= words[:, column]
        value *= mix
    value >>= np.uint64(64 - _SLOT_BITS)
    return value.astype(np.intp)


def few_dictionary(words: U64) -> tuple[Bytes, I32]:
    """Return (dictionary, code per row) for one chunk of a field with few values.

    A hash table finds the distinct values, in no particular order, and every row is
    checked against its entry. When a chunk has too many values (or two share a slot
    under both hashes), it falls back to :func:`run_dictionary`.
    """
    n = words.shape[0]
    if n == 0:
        return as_bytes(words), np.zeros(0, dtype=np.int32)
    rows = np.arange(n)
    for mix in _MIXES:
        slot = _slots(words, mix)
        sample = np.full(_SLOTS, -1, dtype=np.intp)
        sample[slot] = rows  # any row of the slot will do: checked below
        used = np.flatnonzero(sample >= 0)
        if used.size > _MAX_SMALL:
            break
        code_of_slot = np.zeros(_SLOTS, dtype=np.int32)
        code_of_slot[used] = np.arange(used.size, dtype=np.int32)
        codes = code_of_slot[slot]
        dictionary = _take_rows(words, sample[used])
        if np.array_equal(_take_rows(dictionary, codes), words):
            return as_bytes(dictionary), codes
    return run_dictionary(words)


def run_dictionary(words: U64) -> tuple[Bytes, I32]:
    """Return (dictionary, code per row) where each run of equal neighbouring rows is one
    entry, in order (duplicates allowed: :func:`unique_first_seen` merges them)."""
    n = words.shape[0]
    if n == 0:
        return as_bytes(words), np.zeros(0, dtype=np.int32)
    change = np.empty(n, dtype=bool)
    change[0] = True
    change[1:] = _differs(words)
    codes = np.cumsum(change, dtype=np.int32)
    codes -= 1
    return as_bytes(_take_rows(words, np.flatnonzero(change))), codes


def _hash(words: U64) -> U64:
    value = np.zeros(words.shape[0], dtype=np.uint64)
    for column in range(words.shape[1]):  # a few words per string
        value ^= words[:, column]
        value *= _MIXES[0]
        value ^= value >> np.uint64(29)
    return value


def _words_of(strings: Bytes) -> U64:
    """Return byte strings as a word matrix (widened to a multiple of 8 bytes)."""
    width = strings.dtype.itemsize
    wide = max(8, -(-width // 8) * 8)
    if wide != width:
        strings = strings.astype(f"S{wide}")
    return np.ascontiguousarray(strings).view("<u8").reshape(strings.size, wide // 8)


def _in_order(strings: Bytes) -> bool:
    """Return whether the strings are sorted, or sorted by their count of non-NUL bytes
    and then by bytes: keys of growing length in numeric order (PROJ-9, PROJ-10, as an
    export sorted by key lists them). Sorted by any key that contains the string itself,
    equal strings sit together."""
    later, earlier = strings[1:], strings[:-1]
    if bool(np.all(later >= earlier)):
        return True
    size = _non_nul_bytes(strings)
    return bool(np.all((size[1:] > size[:-1]) | ((size[1:] == size[:-1]) & (later >= earlier))))


def _non_nul_bytes(strings: Bytes) -> U64:
    """Return how many bytes of each string are not NUL: its length, for text."""
    nonzero = np.ascontiguousarray(strings).view(np.uint8).reshape(strings.size, -1) != 0
    if nonzero.shape[1] % 8:  # whole words below (only narrow arrays need the copy)
        padding = np.zeros((strings.size, 8 - nonzero.shape[1] % 8), dtype=bool)
        nonzero = np.concatenate([nonzero, padding], axis=1)
    ones: U64 = nonzero.view(np.uint64)  # eight bytes of 0 or 1 per word
    ones *= np.uint64(0x0101010101010101)  # the top byte now holds the word's sum
    ones >>= np.uint64(56)
    size: U64 = ones[:, 0].copy()
    for column in range(1, ones.shape[1]):  # a few words per string (a row sum is slow)
        size += ones[:, column]
    return size


def unique_first_seen(strings: Bytes) -> tuple[Bytes, I64]:
    """Return (distinct strings in order of first appearance, code of each input string)."""
    if strings.size == 0:
        return strings.copy(), np.zeros(0, dtype=np.int64)
    if _in_order(strings):
        # Item keys of a history sorted by item, an item's run repeated where chunks
        # meet: equal strings are neighbours, so no hashing is needed.
        first = np.empty(strings.size, dtype=bool)
        first[0] = True
        np.not_equal(strings[1:], strings[:-1], out=first[1:])
        codes = np.cumsum(first, dtype=np.int64)
        codes -= 1
        return strings[first], codes
    words = _words_of(strings)
    hashes = _hash(words)
    # Repeats are usually neighbours even when the strings are not sorted (an item's run
    # split where two chunks meet). Dropping those, if no two hashes left are equal, the
    # rest are distinct: one plain sort of the hashes shows it, where np.unique's stable
    # argsort would take 30 times as long on ten million items.
    first = np.empty(strings.size, dtype=bool)
    first[0] = True
    first[1:] = _differs(words)
    spread = np.sort(hashes[first])
    if not np.any(spread[1:] == spread[:-1]):
        codes = np.cumsum(first, dtype=np.int64)
        codes -= 1
        return strings[first], codes
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    if not np.array_equal(_take_rows(words, first[inverse]), words):
        # A 64-bit hash collision: rare enough that sorting the strings is fine.
        _, first, inverse = np.unique(strings, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return strings[first[order]], rank[inverse].astype(np.int64)


def decode(strings: Bytes) -> list[str]:
    """Return UTF-8 byte strings as text (undecodable bytes kept as surrogate escapes)."""
    return [value.decode("utf-8", "surrogateescape") for value in strings.tolist()]


def decode_array(strings: Bytes) -> np.ndarray:
    """Return UTF-8 byte strings as a numpy str array as wide as the longest string;
    ASCII is widened by a plain uint8 -> uint32 cast (numpy's bytes -> str cast goes
    string by string)."""
    if strings.size == 0:
        return np.zeros(0, dtype=str)
    raw = np.ascontiguousarray(strings).view(np.uint8).reshape(strings.size, -1)
    if raw.size == 0 or int(raw.max()) < 128:
        # Dictionaries come padded to whole words (10-character keys in 16 bytes): the
        # padding would take four bytes per character in the str array, at 10M items
        # 240 MB of the process's peak.
        width = raw.shape[1]
        while width > 1 and not raw[:, width - 1].any():
            width -= 1
        return raw[:, :width].astype(np.uint32).view(f"U{width}").ravel()
    return np.array(decode(strings), dtype=str)
