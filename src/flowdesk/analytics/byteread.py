"""Reading a (possibly gzipped) text file as chunks of whole lines, decompressing in a
background thread so that inflating and tokenizing overlap on two cores.

Inflating is the largest single cost of reading a big gzipped history (about 1.8 s of
one core per 580 MB with zlib). The ``isal`` package (Intel ISA-L, on PyPI; a Flowdesk
dependency) inflates the same data about three times faster; it is used when it is
installed, and zlib otherwise (the library needs only numpy). Both give the same bytes.

Either inflates straight into the chunk's buffer with the GIL released (the gzip readers'
``readinto``): the Python work of the other threads goes on meanwhile. ISA-L's
``decompressobj`` holds the GIL while it works, and stalled every other thread for the
50 ms that inflating 58 MB takes (100,000 items).
"""

from __future__ import annotations

import gzip
import io
import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

_GZIP_MAGIC = b"\x1f\x8b"
_NEWLINE = ord("\n")
#: Bytes readable after the last line of each chunk (the start of the next lines, or
#: zeros at the end of the file), so fixed-width field windows never run off its end.
PADDING = 64
_PAD = bytes(PADDING)

Chunk = tuple[bytearray, int]
"""Whole lines ``data[:stop]``, followed by at least ``PADDING`` more bytes in ``data``."""

Opener = Callable[[Path], io.BufferedIOBase]


def _gzip_opener() -> tuple[Opener, tuple[type[Exception], ...]]:
    """Return (a function that opens a gzip file for reading, the errors its data may
    raise): ISA-L's reader if it is installed, else the gzip module's (zlib)."""
    try:
        # Optional: about 3x faster than zlib at inflating.
        from isal import igzip, isal_zlib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return (lambda path: gzip.open(path, "rb")), (zlib.error, gzip.BadGzipFile)
    errors = (cast(type[Exception], isal_zlib.error), zlib.error, gzip.BadGzipFile)
    return (lambda path: cast(io.BufferedIOBase, igzip.open(  # type: ignore[no-untyped-call,unused-ignore]
        path, "rb"))), errors


def is_gzip(path: Path) -> bool:
    """Return whether the file starts with the gzip magic number."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


@contextmanager
def reading(path: Path) -> Iterator[Callable[[memoryview], int]]:
    """Yield a ``readinto`` of the file's bytes, decompressed if it is gzipped (all its
    members in order, zero padding between them allowed). Corrupt or truncated gzip data
    raises ``zlib.error`` naming the file, whichever inflater read it."""
    if not is_gzip(path):
        with open(path, "rb", buffering=0) as handle:
            yield handle.readinto
        return
    opener, errors = _gzip_opener()
    try:
        with opener(path) as handle:
            yield handle.readinto
    except EOFError:  # the gzip readers' word for data that stops before its end
        raise zlib.error(truncated(path)) from None
    except errors as failure:
        if isinstance(failure, zlib.error) and str(failure).startswith(f"{path.name}: "):
            raise  # already says what is wrong with which file
        raise zlib.error(f"{path.name}: corrupt gzip data ({failure})") from failure


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
    room = size + PADDING + 1
    with reading(path) as readinto:
        buffer, fill, goal = spare(room), 0, size + PADDING
        while True:
            buffer = _with_room(buffer, fill, goal)
            got = readinto(memoryview(buffer)[fill:goal])
            if not got:
                break
            fill += got
            if fill < goal:
                continue
            stop = buffer.rfind(b"\n", 0, fill - PADDING) + 1
            if stop == 0:
                goal = fill + size  # one long line so far: keep reading
                continue
            after = _with_room(spare(room), 0, fill - stop)
            after[: fill - stop] = memoryview(buffer)[stop:fill]
            yield buffer, stop
            buffer, fill, goal = after, fill - stop, size + PADDING
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
        # Let go of the chunk buffers now: the reader merges its columns next, the moment
        # of its peak memory, and a dozen idle 2 MB buffers would add to it.
        while not self._free.empty():
            self._free.get_nowait()
        while not self._queue.empty():
            self._queue.get_nowait()

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
