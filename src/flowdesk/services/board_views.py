"""Read queries for the web board: a filtered board, one card's update, the closed-item list.

Each function runs a constant number of queries, whatever the number of cards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from flowdesk.domain.calendars import Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import NotFound
from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Service, Stage
from flowdesk.services.queries import DONE_WINDOW, readable_service, readable_service_id
from flowdesk.storage import accounts as people
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import board as board_store
from flowdesk.storage import repository as repo
from flowdesk.storage.text import fold
from flowdesk.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class BoardFilter:
    """What a board shows: every field left empty shows everything.

    The same filter is applied in SQL (`storage.board.filter_clause`) when the board loads and
    in Python (`matches`) when a live update arrives; tests check that the two agree.
    """

    type: str = ""
    cos: ClassOfService | None = None
    customer: str = ""
    assignee: str = ""
    blocked_only: bool = False
    search: str = ""  # part of the key or the title, any case

    @property
    def is_empty(self) -> bool:
        return self == BoardFilter()

    def matches(self, item: WorkItem) -> bool:
        """True when the card passes every condition."""
        if self.type and item.type != self.type:
            return False
        if self.cos is not None and item.cos is not self.cos:
            return False
        if self.customer and item.customer != self.customer:
            return False
        if self.assignee and self.assignee not in item.assignees:
            return False
        if self.blocked_only and not item.is_blocked:
            return False
        needle = fold(self.search.strip())
        return not needle or needle in fold(item.key) or needle in fold(item.title)


@dataclass(frozen=True)
class BoardColumn:
    stage: Stage
    count: int  # every item in the stage: the WIP the limit is about, whatever is shown
    cards: list[WorkItem]  # loaded cards, in rank order
    matching: int  # cards that pass the filter and belong on the board (recent, if closed)

    @property
    def not_loaded(self) -> int:
        """Matching cards left out by the per-column cap."""
        return self.matching - len(self.cards)


@dataclass(frozen=True)
class FilterChoices:
    """Values the filter menus offer: those in use on the service's open work."""

    types: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BoardView:
    service: Service
    columns: list[BoardColumn]
    done_since: datetime
    choices: FilterChoices
    names: dict[str, str] = field(default_factory=dict)  # username -> display name
    # The calendars of the agreement versions the cards arrived under, by (id, version).
    calendars: dict[tuple[int, int], Calendar] = field(default_factory=dict)

    def name(self, person: str) -> str:
        """How a person is shown: the account's display name, or the text as it is (history
        imported from elsewhere names people who have no account)."""
        return self.names.get(person, person)


def board_view(uow: UnitOfWork, actor: Actor, key: str, now: datetime, *,
               flt: BoardFilter | None = None, per_stage_cap: int | None = None,
               uncapped_stage: int | None = None, closed_cap: int | None = None,
               done_window: timedelta = DONE_WINDOW) -> BoardView:
    """The board as a person asked to see it.

    Counts are exact and unfiltered. Open columns list cards in rank order; `per_stage_cap`
    bounds how many each loads, except `uncapped_stage` (a column someone asked to see in full).
    Closed columns (done, discarded) hold only items closed within `done_window`, newest first,
    at most `closed_cap` of them.
    """
    flt = flt or BoardFilter()
    done_since = now - done_window
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        counts, matching, cards = board_store.board_cards(
            conn, service, flt, done_since, per_stage_cap=per_stage_cap,
            uncapped_stage=uncapped_stage, closed_cap=closed_cap)
        choices = _choices(conn, [s.id for s in service.stages if s.phase.is_open])
        names = people.display_names(conn, [p for c in cards for p in c.assignees] +
                                     choices.people)
        calendars = agreement_calendars(conn, cards)
    by_stage: dict[int, list[WorkItem]] = defaultdict(list)
    for card in cards:
        by_stage[card.stage_id].append(card)
    columns = [
        BoardColumn(stage, counts.get(stage.id, 0), by_stage.get(stage.id, []),
                    matching.get(stage.id, 0))
        for stage in service.stages
    ]
    return BoardView(service, columns, done_since, choices, names, calendars)


def agreement_calendars(conn: Connection, cards: Iterable[WorkItem]
                        ) -> dict[tuple[int, int], Calendar]:
    """The calendars of the agreement versions open cards arrived under (one query, none
    when no card has one): the working time left on a card is counted by them."""
    pairs = {(c.agreement_id, c.agreement_version) for c in cards
             if c.agreement_id is not None and c.agreement_version is not None
             and c.delivered_at is None and c.discarded_at is None}
    found = agreement_store.agreement_versions_of(
        conn, [(int(i), int(v)) for i, v in pairs if i is not None and v is not None])
    return {k: a.calendar for k, a in found.items()}


def filter_choices(uow: UnitOfWork, actor: Actor, key: str) -> FilterChoices:
    """The types, customers and people in use on the service's open work."""
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        return _choices(conn, [s.id for s in service.stages if s.phase.is_open])


def _choices(conn: Connection, open_ids: list[int]) -> FilterChoices:
    return FilterChoices(*board_store.filter_values(conn, open_ids))


@dataclass(frozen=True)
class CardUpdate:
    """One card as it is now and the exact counts of the columns it touched. Where it sits is
    its stage and rank: a board places it among the cards of its own lane by rank (a neighbour
    in the whole stage may be in another lane)."""

    service: Service
    item: WorkItem
    counts: dict[int, int]  # stage id -> exact count, for the stages the change touched
    names: dict[str, str] = field(default_factory=dict)  # the assignees' display names
    calendars: dict[tuple[int, int], Calendar] = field(default_factory=dict)


def card_update(uow: UnitOfWork, item_id: int, event_ids: Iterable[int] = ()) -> CardUpdate:
    """What a board needs to redraw one card after a change: a handful of queries.

    The stages touched are the item's stage and those the given events (by default the item's
    latest event) moved it from and to.
    """
    with uow.read() as conn:
        item = repo.load_item(conn, item_id)
        service = repo.load_service(conn, item.service_id)
        touched = board_store.touched_stages(conn, item, list(event_ids))
        counts = board_store.stage_counts(conn, touched)
        names = people.display_names(conn, item.assignees)
        calendars = agreement_calendars(conn, [item])
    return CardUpdate(service, item, {sid: counts.get(sid, 0) for sid in touched}, names,
                      calendars)


@dataclass(frozen=True)
class ClosedPage:
    service: Service
    stage: Stage
    total: int
    items: list[WorkItem]


def closed_items(uow: UnitOfWork, actor: Actor, key: str, stage_id: int, *, offset: int,
                 limit: int) -> ClosedPage:
    """Items in a done or discarded stage, most recently closed first, one page of them."""
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        stage = service.stage(stage_id)
        if stage.phase.is_open:
            raise NotFound(f"'{stage.name}' is not a done or discarded stage", field="stage")
        total, page = board_store.closed_page(conn, stage.id, offset=offset, limit=limit)
    return ClosedPage(service, stage, total, page)


def service_id(uow: UnitOfWork, actor: Actor, key: str) -> int:
    """The id of the service with this key, when the actor may read it (NotFound when there
    is none, or they are not a member)."""
    with uow.read() as conn:
        return readable_service_id(conn, actor, key)
