"""Fast, exact resampling of daily throughput for Monte Carlo forecasts.

Each simulated day is a uniform draw (with replacement) from the sample days. Random
16-bit words index a 65,536-entry table holding the sample values; words past the
largest multiple of the sample count are redrawn, so every sample day is exactly
equally likely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import I64

_WORDS = 1 << 16
#: Most days drawn at once by :meth:`DailyDraws.days_to_reach` (about 64 MiB of running
#: totals); at least ``MIN_CHUNK_TRIALS`` trials are simulated together.
DRAW_BUDGET = 1 << 23
MIN_CHUNK_TRIALS = 256

Checkpoint = Callable[[], None]
"""Called between chunks of work; it raises to stop a forecast (a time budget, a client that
went away). The library itself never reads the clock."""


def _nothing() -> None:
    return None


class DailyDraws:
    """Draws simulated daily throughput from fixed samples with a given generator."""

    def __init__(self, samples: I64, rng: np.random.Generator,
                 checkpoint: Checkpoint | None = None) -> None:
        values = np.asarray(samples, dtype=np.int64)
        if values.size == 0:
            raise ValueError("no throughput samples")
        if values.min() < 0:
            raise ValueError("throughput samples must not be negative")
        if values.size > _WORDS // 4:
            raise ValueError(f"at most {_WORDS // 4} sample days")
        self.samples = values
        self.rng = rng
        self.checkpoint = checkpoint or _nothing
        self.dtype = np.int16 if values.max() < np.iinfo(np.int16).max else np.int32
        self.limit = _WORDS // values.size * values.size
        table: npt.NDArray[np.signedinteger[Any]] = np.full(_WORDS, -1, dtype=self.dtype)
        table[: self.limit] = values[np.arange(self.limit) % values.size]
        self.table = table

    def draw(self, count: int) -> npt.NDArray[np.signedinteger[Any]]:
        """Return ``count`` simulated days (int16 or int32)."""
        words = np.frombuffer(self.rng.bytes(2 * count), dtype=np.uint16)
        out = self.table[words]
        redo = np.flatnonzero(out < 0)
        while redo.size:  # rejected words (rare): draw those days again
            words = np.frombuffer(self.rng.bytes(2 * redo.size), dtype=np.uint16)
            out[redo] = self.table[words]
            redo = redo[out[redo] < 0]
        return out

    def totals(self, trials: int, days: int, chunk: int = 1 << 20) -> I64:
        """Return the total delivered over ``days`` days in each of ``trials`` trials."""
        out = np.empty(trials, dtype=np.int64)
        per_chunk = max(1, chunk // max(days, 1))
        for first in range(0, trials, per_chunk):  # bounded memory per chunk of trials
            self.checkpoint()
            size = min(per_chunk, trials - first)
            block = self.draw(size * days).reshape(size, days)
            out[first : first + size] = block.sum(axis=1, dtype=np.int64)
        return out

    def days_to_reach(self, target: int, trials: int, max_days: int,
                      chunk: int = 1 << 14) -> I64:
        """Return, per trial, the number of days until the running total reaches
        ``target`` (day 1 is the first simulated day); ``max_days + 1`` if never."""
        mean = float(self.samples.mean())
        if mean == 0:
            raise ValueError("every sample day delivered nothing: no forecast is possible")
        horizon = min(max_days, int(np.ceil(target / mean * 1.15)) + 2)
        # A chunk draws size x horizon days at once (and keeps their int64 running sums):
        # bound that, or a long horizon would need gigabytes. Up to a horizon of 512 days
        # the chunk stays `chunk` trials, so those forecasts are the same as they always were.
        chunk = max(MIN_CHUNK_TRIALS, min(chunk, DRAW_BUDGET // horizon))
        out = np.empty(trials, dtype=np.int64)
        for first in range(0, trials, chunk):  # vectorised over a chunk of trials
            self.checkpoint()
            size = min(chunk, trials - first)
            out[first : first + size] = self._chunk(target, size, horizon, max_days)
        return out

    def _chunk(self, target: int, size: int, horizon: int, max_days: int) -> I64:
        result = np.full(size, max_days + 1, dtype=np.int64)
        pending = np.arange(size)
        done_so_far = np.zeros(size, dtype=np.int64)
        elapsed = 0
        block = horizon
        while pending.size and elapsed < max_days:
            self.checkpoint()
            block = min(block, max_days - elapsed)
            draws = self.draw(pending.size * block).reshape(pending.size, block)
            running = np.cumsum(draws, axis=1, dtype=np.int64) + done_so_far[:, None]
            reached = running[:, -1] >= target
            short = np.count_nonzero(running < target, axis=1)
            result[pending[reached]] = elapsed + short[reached] + 1
            done_so_far = running[~reached, -1]
            pending = pending[~reached]
            elapsed += block
            block = max(8, block // 4)  # stragglers: smaller blocks
        return result
