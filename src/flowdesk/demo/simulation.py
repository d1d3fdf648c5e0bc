"""A minimal discrete-event loop: actions run in time order, ties in the order they were set."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime

from flowdesk.demo.flow import Action

DAY_SECONDS = 86_400


class Simulation:
    def __init__(self, start: datetime, end: datetime,
                 progress: Callable[[int], None] | None = None) -> None:
        self.start = start
        self.end = end
        self.progress = progress
        self._queue: list[tuple[datetime, int, Action]] = []
        self._sequence = 0  # breaks ties between actions at the same instant: first set, first run
        self._days_reported = -1

    def schedule(self, at: datetime, action: Action) -> None:
        """Run `action(at)` at `at`. Anything due at or after the end never happens."""
        if at >= self.end:
            return
        heapq.heappush(self._queue, (at, self._sequence, action))
        self._sequence += 1

    def run(self) -> None:
        """Run every action in time order; report whole simulated days as they pass."""
        while self._queue:
            at, _, action = heapq.heappop(self._queue)
            self._report(int((at - self.start).total_seconds() // DAY_SECONDS))
            action(at)
        self._report(int((self.end - self.start).total_seconds() // DAY_SECONDS))

    def _report(self, days: int) -> None:
        if self.progress is not None and days > self._days_reported:
            self._days_reported = days
            self.progress(days)
