"""The workflow: which states are upstream, committed, done or discarded, how time in a
state or substate counts (active, waiting, blocked), and the time zone of the calendar."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
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
                attributes=_names(table.get("attributes", ()), "[columns] attributes"),
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
        states = _table(document, "states")
        substates = _table(document, "substates")
        columns = document.get("columns")
        if columns is not None and not isinstance(columns, Mapping):
            raise ValueError("[columns] must be a table")
        timezone = flow.get("timezone", "UTC")
        if not isinstance(timezone, str):
            raise ValueError(f"[workflow] timezone must be text, not {timezone!r}")
        return cls(
            upstream=_names(flow.get("upstream", ()), "[workflow] upstream"),
            committed=_names(flow.get("committed", ()), "[workflow] committed"),
            done=_names(flow.get("done", ()), "[workflow] done"),
            discarded=_names(flow.get("discarded", ()), "[workflow] discarded"),
            ignore=_names(flow.get("ignore", ()), "[workflow] ignore"),
            active=_names(states.get("active", ()), "[states] active"),
            waiting=_names(states.get("waiting", ()), "[states] waiting"),
            blocked=_categories(states.get("blocked", {}), "[states] blocked"),
            active_substates=_names(substates.get("active", ()), "[substates] active"),
            waiting_substates=_names(substates.get("waiting", ()), "[substates] waiting"),
            blocked_substates=_categories(substates.get("blocked", {}), "[substates] blocked"),
            timezone=timezone,
            columns=None if columns is None else Columns.from_mapping(columns),
        )


def _table(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, Mapping):
        raise ValueError(f"[{name}] must be a table")
    return table


def _names(values: Any, key: str) -> tuple[str, ...]:
    """Return a TOML list of state names (or one name) as a tuple; raise ValueError naming
    ``key`` for anything else, like a number."""
    if isinstance(values, str):
        return (values,)
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{key} must be a list of names in quotes, not {values!r}")
    return tuple(values)


def _categories(values: Any, key: str) -> Mapping[str, str]:
    """Return a TOML table of name = blocker category, or a list of names (each its own
    category); raise ValueError naming ``key`` for anything else."""
    if isinstance(values, Mapping):
        if not all(isinstance(v, str) for v in values.values()):
            raise ValueError(f"{key} must map names to categories in quotes")
        return {str(name): value for name, value in values.items()}
    # A plain list of blocked names: the name is its own category.
    return {name: name for name in _names(values, key)}
