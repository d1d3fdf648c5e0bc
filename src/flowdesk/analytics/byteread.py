"""Reading a (possibly gzipped) text file as chunks of whole lines, decompressing in a
background thread so that inflating and tokenizing overlap on two cores.

Inflating is the largest single cost of reading a big gzipped history (about 1.8 s of
one core per 580 MB with zlib). The ``isal`` package (Intel ISA-L, on PyPI; a Flowdesk
dependency) inflates the same data about three times faster; it is used when it is
installed, and zlib otherwise (the library needs only numpy). Both give the same bytes.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

_GZIP_MAGIC = b"\x1f\x8b"
_READ = 1 << 20
_PIECE = 1 << 20
_NEWLINE = ord("\n")
#: Bytes readable after the last line of each chunk (the start of the next lines, or
#: zeros at the end of the file), so fixed-width field windows never run off its end.
PADDING = 64
_PAD = bytes(PADDING)

Chunk = tuple[bytearray, int]
"""Whole lines ``data[:stop]``, followed by at least ``PADDING`` more bytes in ``data``."""


def _inflater_factory() -> tuple[Callable[[], Any], type[Exception]]:
    """Return (a maker of gzip decompressors, the error they raise): ISA-L if present."""
    try:
        # Optional: about 6x faster than zlib at inflating.
        from isal import isal_zlib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return (lambda: zlib.decompressobj(wbits=31)), zlib.error
    return (lambda: isal_zlib.decompressobj(wbits=31)), cast(type[Exception], isal_zlib.error)


def is_gzip(path: Path) -> bool:
    """Return whether the file starts with the gzip magic number."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


def _raw_pieces(path: Path) -> Iterator[bytes]:
    """Yield the file's decompressed bytes in pieces of at most ``_PIECE`` bytes (all gzip
    members, in order). Small pieces are recycled by the allocator: large fresh ones
    would cost a page fault per 4 KiB, which is expensive on a virtual machine."""
    if not is_gzip(path):
        with open(path, "rb") as handle:
            while data := handle.read(_PIECE):
                yield data
        return
    make, error = _inflater_factory()
    try:
        yield from _inflate(path, make)
    except error as failure:
        if isinstance(failure, zlib.error) and str(failure).startswith(f"{path.name}: "):
            raise  # already says what is wrong with which file
        # One error type, whichever inflater, naming the file.
        raise zlib.error(f"{path.name}: corrupt gzip data ({failure})") from failure


def _inflate(path: Path, make: Callable[[], Any]) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        inflater = make()
        started = False  # whether the current member has been fed any bytes
        while data := handle.read(_READ):
            while data:
                if not started:
                    # Between members gzip allows zero padding (as the gzip module does).
                    data = data.lstrip(b"\0")
                    if not data:
                        break
                    started = True
                out = inflater.decompress(data, _PIECE)
                if out:
                    yield out
                if inflater.eof:
                    # A multi-member gzip file: start on the next member.
                    data = inflater.unused_data
                    inflater, started = make(), False
                else:
                    data = inflater.unconsumed_tail
        if started:
            tail = inflater.flush()
            if tail:
                yield tail
            if not inflater.eof:
                raise zlib.error(truncated(path))


def truncated(path: Path) -> str:
    """Return the message for a gzip file whose compressed data stops before its end."""
    return (f"{path.name}: the file is truncated: its gzip data ends before the "
            "end-of-stream marker (an incomplete download or copy?)")


def _with_room(buffer: bytearray, fill: int, needed: int) -> bytearray:
    """Return ``buffer``, or a larger copy of its first ``fill`` bytes when it cannot hold
    ``needed`` bytes. Buffers are never resized in place: numpy arrays may view them."""
    if needed <= len(buffer):
        return buffer
    larger = bytearray(max(needed, 2 * len(buffer)))
    larger[:fill] = memoryview(buffer)[:fill]
    return larger


def line_chunks(path: Path, size: int = 8 << 20,
                spare: Callable[[int], bytearray] = bytearray) -> Iterator[Chunk]:
    """Yield chunks of about ``size`` bytes of whole lines as ``(data, stop)``.

    ``data[:stop]`` holds the lines; at least ``PADDING`` bytes follow them in ``data``
    (the start of the next chunk, or zeros at the end). A last line without a newline
    gets one. ``spare(n)`` supplies the buffers (of at least n bytes): Prefetch recycles
    them, so a chunk is only valid until the next one is asked for.
    """
    room = size + _PIECE + PADDING + 1
    buffer, fill = spare(room), 0
    for piece in _raw_pieces(path):
        buffer = _with_room(buffer, fill, fill + len(piece))
        buffer[fill : fill + len(piece)] = piece
        fill += len(piece)
        if fill < size + PADDING:
            continue
        stop = buffer.rfind(b"\n", 0, fill - PADDING) + 1
        if stop == 0:
            continue  # one long line so far: keep reading
        after = _with_room(spare(room), 0, fill - stop)
        after[: fill - stop] = memoryview(buffer)[stop:fill]
        yield buffer, stop
        buffer, fill = after, fill - stop
    if fill:
        buffer = _with_room(buffer, fill, fill + 1 + PADDING)
        if buffer[fill - 1] != _NEWLINE:
            buffer[fill] = _NEWLINE
            fill += 1
        buffer[fill : fill + PADDING] = _PAD
        yield buffer, fill


class Prefetch:
    """Iterate over ``line_chunks(path)`` produced by a background thread.

    Use as a context manager so that an early exit stops the thread.
    """

    _END = object()

    def __init__(self, path: Path, size: int = 8 << 20, depth: int = 3) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        # Chunk buffers handed back by the reader, refilled by the thread: reusing them
        # avoids faulting in fresh memory for every chunk.
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path, size), daemon=True)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, path: Path, size: int) -> None:
        try:
            for chunk in line_chunks(path, size, self._spare):
                if not self._put(chunk):
                    return
            self._put(self._END)
        except BaseException as error:  # handed to the reading thread
            self._put(error)

    def _spare(self, size: int) -> bytearray:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            return bytearray(size)

    def __enter__(self) -> Prefetch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def release(self, data: bytearray) -> None:
        """Hand a chunk's buffer back for reuse: the chunk must not be used after."""
        self._free.put(data)

    def __iter__(self) -> Iterator[Chunk]:
        """Yield the chunks in order (see :meth:`release`)."""
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, tuple)
            yield item
