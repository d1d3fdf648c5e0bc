"""The workflow: which states are upstream, committed, done or discarded, how time in a
state or substate counts (active, waiting, blocked), and the time zone of the calendar."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flowdesk.analytics.timezones import Zone

UPSTREAM, COMMITTED, DONE, DISCARDED = 0, 1, 2, 3
PHASE_NAMES = ("upstream", "committed", "done", "discarded")

NEITHER, ACTIVE, WAITING, BLOCKED = 0, 1, 2, 3


@dataclass(frozen=True)
class Columns:
    """Where a history CSV keeps each field (header names)."""

    item: str
    timestamp: str
    state: str
    substate: str | None = None
    attributes: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> Columns:
        """Return the columns described by a TOML ``[columns]`` table."""
        try:
            return cls(
                item=str(table["item"]),
                timestamp=str(table["timestamp"]),
                state=str(table["state"]),
                substate=None if table.get("substate") is None else str(table["substate"]),
                attributes=tuple(str(name) for name in table.get("attributes", ())),
            )
        except KeyError as error:
            raise ValueError(f"[columns] needs {error.args[0]!r}") from error


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Workflow:
    """A service's workflow as the analytics see it.

    ``upstream``, ``committed`` and ``done`` are listed in workflow order; together with
    ``discarded`` and ``ignore`` they must name every state in the history. Rows in an
    ignored state are dropped, as if the change had not happened.

    ``active``/``waiting``/``blocked`` classify *states*; ``active_substates``,
    ``waiting_substates`` and ``blocked_substates`` classify substates and win over the
    state's class. ``blocked`` maps a state or substate to a blocker category.
    """

    upstream: tuple[str, ...]
    committed: tuple[str, ...]
    done: tuple[str, ...]
    discarded: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    active: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    blocked: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    active_substates: tuple[str, ...] = ()
    waiting_substates: tuple[str, ...] = ()
    blocked_substates: Mapping[str, str] = field(default_factory=lambda: _frozen(None))
    timezone: str = "UTC"
    columns: Columns | None = None

    def __post_init__(self) -> None:
        for name in ("upstream", "committed", "done", "discarded", "ignore", "active",
                     "waiting", "active_substates", "waiting_substates"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "blocked", _frozen(self.blocked))
        object.__setattr__(self, "blocked_substates", _frozen(self.blocked_substates))
        if not self.committed:
            raise ValueError("a workflow needs at least one committed state")
        if not self.done:
            raise ValueError("a workflow needs at least one done state")
        seen: set[str] = set()
        for state in self.ordered + self.discarded + self.ignore:
            if state in seen:
                raise ValueError(f"state {state!r} is listed twice in the workflow")
            seen.add(state)
        Zone.parse(self.timezone)  # fail early on a bad zone

    @property
    def ordered(self) -> tuple[str, ...]:
        """Return upstream, committed and done states in workflow order."""
        return self.upstream + self.committed + self.done

    @property
    def zone(self) -> Zone:
        """Return the workflow's time zone."""
        return Zone.parse(self.timezone)

    @property
    def uses_substates(self) -> bool:
        """Return whether substates are classified (and so make separate stays)."""
        return bool(self.active_substates or self.waiting_substates or self.blocked_substates)

    def phase(self, state: str) -> int | None:
        """Return the phase of a state (UPSTREAM..DISCARDED), None if ignored.

        Raises ValueError for a state the workflow does not list.
        """
        for phase, states in enumerate((self.upstream, self.committed, self.done,
                                        self.discarded)):
            if state in states:
                return phase
        if state in self.ignore:
            return None
        raise ValueError(f"state {state!r} is not in the workflow")

    def knows(self, state: str) -> bool:
        """Return whether the workflow lists a state (in any phase or as ignored)."""
        return state in self.ordered or state in self.discarded or state in self.ignore

    def classify(self, state: str, substate: str | None) -> tuple[int, str | None]:
        """Return (ACTIVE|WAITING|BLOCKED|NEITHER, blocker category) for a state and substate."""
        if substate is not None:
            if substate in self.blocked_substates:
                return BLOCKED, self.blocked_substates[substate]
            if substate in self.active_substates:
                return ACTIVE, None
            if substate in self.waiting_substates:
                return WAITING, None
        if state in self.blocked:
            return BLOCKED, self.blocked[state]
        if state in self.active:
            return ACTIVE, None
        if state in self.waiting:
            return WAITING, None
        return NEITHER, None

    @classmethod
    def from_toml(cls, source: str | Path) -> Workflow:
        """Return the workflow (and its ``[columns]``, if any) described by a TOML file."""
        with open(source, "rb") as handle:
            return cls.from_mapping(tomllib.load(handle))

    @classmethod
    def from_toml_text(cls, text: str) -> Workflow:
        """Return the workflow described by TOML text."""
        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any]) -> Workflow:
        """Return the workflow described by a parsed TOML document."""
        flow = document.get("workflow")
        if not isinstance(flow, Mapping):
            raise ValueError("the workflow file needs a [workflow] table")
        states = document.get("states", {})
        substates = document.get("substates", {})
        columns = document.get("columns")
        return cls(
            upstream=_names(flow.get("upstream", ())),
            committed=_names(flow.get("committed", ())),
            done=_names(flow.get("done", ())),
            discarded=_names(flow.get("discarded", ())),
            ignore=_names(flow.get("ignore", ())),
            active=_names(states.get("active", ())),
            waiting=_names(states.get("waiting", ())),
            blocked=_categories(states.get("blocked", {})),
            active_substates=_names(substates.get("active", ())),
            waiting_substates=_names(substates.get("waiting", ())),
            blocked_substates=_categories(substates.get("blocked", {})),
            timezone=str(flow.get("timezone", "UTC")),
            columns=None if columns is None else Columns.from_mapping(columns),
        )


def _names(values: Iterable[Any]) -> tuple[str, ...]:
    if isinstance(values, str):
        return (values,)
    return tuple(str(value) for value in values)


def _categories(values: Any) -> Mapping[str, str]:
    if isinstance(values, Mapping):
        return {str(key): str(value) for key, value in values.items()}
    # A plain list of blocked names: the name is its own category.
    return {str(value): str(value) for value in values}
