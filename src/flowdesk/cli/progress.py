"""Progress of a long command on standard error: a bar on a terminal, plain lines elsewhere.

A bar redrawn in place is what a person at a terminal wants; in a log, a pipe or CI it would
be one long line or nothing at all (click hides its bar when the output is not a terminal), so
there each step is a line of its own: `simulated 37 of 182 days (20%)`.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import IO, Any, TextIO, cast

import click

STEPS = 10  # plain lines per counted task: one per tenth


def is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def say(text: str, stream: IO[str] | None = None) -> None:
    """One line of what is happening, on standard error."""
    click.echo(text, file=stream or sys.stderr)


class Progress:
    """Counted progress (`update(done)` with the count so far, not an increment) as a bar on
    a terminal, or a line at each tenth of `total` (the last at the end) otherwise.

    `label` opens the bar ("simulating days"); the plain lines say "simulated 19 of 182
    days (10%)", from `past` ("simulated") and `noun` ("days")."""

    def __init__(self, total: int, *, label: str, past: str, noun: str,
                 stream: IO[str] | None = None) -> None:
        self.total = max(total, 0)
        self.label, self.past, self.noun = label, past, noun
        self.stream = stream or sys.stderr
        self.done = 0
        self._bar: Any = None
        self._step = 0  # plain lines: the last tenth written

    def __enter__(self) -> Progress:
        if is_terminal(self.stream):
            self._bar = click.progressbar(length=self.total, label=self.label,
                                          file=cast(TextIO, self.stream))
            self._bar.__enter__()
        return self

    def update(self, done: int) -> None:
        done = min(max(done, self.done), self.total)
        if self._bar is not None:
            self._bar.update(done - self.done)
        else:
            step = STEPS * done // self.total if self.total else STEPS
            if step > self._step:
                self._step = step
                percent = 100 * done // self.total if self.total else 100
                say(f"{self.past} {done:,} of {self.total:,} {self.noun} ({percent}%)",
                    self.stream)
        self.done = done

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
