"""Flow hints on the board's cards: an item's age against the lead times of past work, and a
flag when it is unlikely to be done by its due date.

They are computed once per board render, from the service's flow (a few bulk queries, however
many cards there are). A card re-rendered alone (a live update, a move's reply) reuses the hints
of the last board rendered for the service through the same unit of work: they change slowly,
and reading the whole history again for every move would slow every move down.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from flowdesk.analytics import Period, aging_wip, period_of
from flowdesk.analytics.age import local_day
from flowdesk.domain.people import Actor
from flowdesk.services import analytics
from flowdesk.services.queries import latest_event_id
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.cards import age_words

log = logging.getLogger(__name__)

HISTORY_DAYS = 180  # the reference window, the same as on_time_risks uses
RISK_THRESHOLD = analytics.RISK_THRESHOLD  # below this chance of being on time: flagged


@dataclass(frozen=True)
class CardHint:
    """What a card says about its flow: `tone` is "", "past-50" or "past-85"."""

    tone: str
    age_days: int  # calendar days since commitment, the commitment day being day 1
    title: str
    risk: str = ""  # "At risk · 23% on time", or "" when the due date looks safe (or none)
    risk_title: str = ""


@dataclass(frozen=True)
class BoardHints:
    by_key: Mapping[str, CardHint] = field(default_factory=dict)

    def for_item(self, key: str) -> CardHint | None:
        """The hint for an item on the board, None for one not in progress."""
        return self.by_key.get(key)


NO_HINTS = BoardHints()
# Hints are worth at most this much staleness while the board keeps changing: they rest on
# percentiles of half a year of deliveries, which one move barely shifts.
REFRESH = timedelta(minutes=1)


@dataclass(frozen=True)
class _Cached:
    hints: BoardHints
    last_event: int  # the service's newest event when the hints were computed
    computed_at: datetime


# Per unit of work (so per database), per service key: the hints of the last board rendered.
_latest: WeakKeyDictionary[UnitOfWork, dict[str, _Cached]] = WeakKeyDictionary()


def _days(value: float) -> str:
    whole = int(value)
    return f"{whole} day{'' if whole == 1 else 's'}"


def _age_hint(age: int, p50: float, p85: float) -> tuple[str, str]:
    known = age_words(age)
    if math.isnan(p85):
        return "", f"{known}; no items were delivered in the last {HISTORY_DAYS} days"
    if age > p85:
        return "past-85", (f"{known}: older than 85% of the items delivered in the last "
                           f"{HISTORY_DAYS} days (85th percentile: {_days(p85)})")
    if age > p50:
        return "past-50", (f"{known}: older than half the items delivered recently "
                           f"(50th percentile: {_days(p50)}, 85th: {_days(p85)})")
    return "", f"{known}: within the usual lead time (85% are done within {_days(p85)})"


def compute_hints(uow: UnitOfWork, actor: Actor, key: str, now: datetime) -> BoardHints:
    """Return the hints for every item in progress in the service, as of `now`."""
    source = analytics.from_service(uow, actor, key, now)
    flow = source.flow
    last = period_of(flow).end
    history = Period.of(last - timedelta(days=HISTORY_DAYS - 1), last)
    aging = aging_wip(flow, history)
    p50, p85 = aging.bands[50], aging.bands[85]
    risks = analytics.on_time_risks(source, RISK_THRESHOLD, HISTORY_DAYS)
    names = flow.timeline.items
    hints: dict[str, CardHint] = {}
    for item, age in zip(aging.items.tolist(), aging.age_days.tolist(), strict=True):
        item_key = str(names[item])
        tone, title = _age_hint(int(age), p50, p85)
        hints[item_key] = CardHint(tone, int(age), title, *_risk(risks.get(item_key)))
    for item_key, risk in risks.items():  # waiting upstream: a promise runs from arrival
        if item_key not in hints and risk["at_risk"]:
            hints[item_key] = CardHint("", 0, "", *_risk(risk))
    return BoardHints(hints)


def _risk(risk: Mapping[str, object] | None) -> tuple[str, str]:
    """The flag and its explanation for an item at risk; empty for one that is not."""
    if risk is None or not risk["at_risk"]:
        return "", ""
    chance = f"{100 * float(risk['probability']):.0f}%"  # type: ignore[arg-type]
    waiting = "" if risk["committed"] else ", counted as if started today"
    return (f"At risk · {chance} on time",
            f"A {chance} chance of being done by the due date ({risk['due']}){waiting}, "
            f"judging by how long similar items took in the last {HISTORY_DAYS} days")


def board_hints(uow: UnitOfWork, actor: Actor, key: str, now: datetime,
                last_event: int | None = None, *, timezone: str = "UTC") -> BoardHints:
    """Return the service's hints for a board render, and keep them for its single-card
    renders. A history the analytics cannot read gives no hints rather than no board.

    Reading the whole history costs a noticeable part of a render on a busy service, so the
    last hints are reused while nothing has happened since, and for up to REFRESH while things
    happen; a new day always recomputes (ages grow at midnight). `last_event`: the service's
    newest event id, when the caller has read it already.
    """
    cached = _latest.get(uow, {}).get(key.upper())
    if last_event is None:
        last_event = latest_event_id(uow, key)
    # Ages grow at the service's local midnight, not UTC's.
    same_day = cached is not None and (
        local_day(cached.computed_at, timezone) == local_day(now, timezone))
    if cached is not None and same_day and (
        cached.last_event == last_event or now - cached.computed_at < REFRESH
    ):
        return cached.hints
    try:
        hints = compute_hints(uow, actor, key, now)
    except (ValueError, KeyError):
        log.exception("no flow hints for service %s", key)
        hints = NO_HINTS
    _latest.setdefault(uow, {})[key.upper()] = _Cached(hints, last_event, now)
    return hints


def latest_hints(uow: UnitOfWork, key: str) -> BoardHints:
    """Return the hints of the last board rendered for the service (none before the first)."""
    cached = _latest.get(uow, {}).get(key.upper())
    return NO_HINTS if cached is None else cached.hints
