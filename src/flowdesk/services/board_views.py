"""Read queries for the web board: a filtered board, one card's update, the closed-item list.

Each function runs a constant number of queries, whatever the number of cards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, true, union_all

from flowdesk.domain.calendars import Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import NotFound
from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Service, Stage
from flowdesk.services.queries import DONE_WINDOW, readable_service, readable_service_id
from flowdesk.storage import accounts as people
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import blockers, item_assignees, item_events, items
from flowdesk.storage.text import fold, unicode_lower, use_unicode_lower
from flowdesk.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class BoardFilter:
    """What a board shows: every field left empty shows everything.

    The same filter is applied in SQL (`clause`) when the board loads and in Python
    (`matches`) when a live update arrives; tests check that the two agree.
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

    def clause(self) -> ColumnElement[bool]:
        """The same conditions as `matches`, as a WHERE clause on `items`."""
        conditions: list[ColumnElement[bool]] = []
        if self.type:
            conditions.append(items.c.type == self.type)
        if self.cos is not None:
            conditions.append(items.c.cos == self.cos.value)
        if self.customer:
            conditions.append(items.c.customer == self.customer)
        if self.assignee:
            conditions.append(items.c.id.in_(
                select(item_assignees.c.item_id).where(item_assignees.c.person == self.assignee)
            ))
        if self.blocked_only:
            conditions.append(items.c.id.in_(
                select(blockers.c.item_id).where(blockers.c.ended_at.is_(None))
            ))
        needle = fold(self.search.strip())
        if needle:
            conditions.append(or_(
                unicode_lower(items.c.key).contains(needle, autoescape=True),
                unicode_lower(items.c.title).contains(needle, autoescape=True),
            ))
        return and_(true(), *conditions)


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
        if flt.search:
            use_unicode_lower(conn)
        service = readable_service(conn, actor, key)
        open_ids = [s.id for s in service.stages if s.phase.is_open]
        closed = [s for s in service.stages if not s.phase.is_open]
        counts = _counts(conn, [s.id for s in service.stages], true())
        matches = flt.clause()
        recently_closed = or_(false(), *[
            and_(items.c.stage_id == s.id, _closed_column(s.phase) >= done_since) for s in closed])
        matching = {
            **(counts if flt.is_empty else _counts(conn, open_ids, matches)),
            **dict.fromkeys([s.id for s in closed], 0),
            **_counts(conn, [s.id for s in closed], and_(matches, recently_closed)),
        }
        # One limited slice per column, each read through an index: (stage, rank) for open
        # columns, (service, delivered_at) for done ones.
        open_slices: list[Slice] = []
        closed_slices: list[Slice] = []
        for stage in service.stages:
            where = and_(items.c.stage_id == stage.id, matches)
            if stage.phase.is_open:
                cap = None if stage.id == uncapped_stage else per_stage_cap
                open_slices.append((where, items.c.rank, cap))
            else:
                at = _closed_column(stage.phase)
                closed_slices.append((
                    and_(where, items.c.service_id == service.id, at >= done_since), at,
                    closed_cap))
        cards = _cards(conn, open_slices, closed_slices)
        choices = _choices(conn, open_ids)
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


def _closed_column(phase: Phase) -> Any:
    """When an item entered a closed phase: delivered_at in done, discarded_at in discarded."""
    return items.c.delivered_at if phase is Phase.DONE else items.c.discarded_at


def _counts(conn: Connection, stage_ids: list[int], where: ColumnElement[bool]) -> dict[int, int]:
    if not stage_ids:
        return {}
    return {int(sid): int(n) for sid, n in conn.execute(
        select(items.c.stage_id, func.count())
        .where(items.c.stage_id.in_(stage_ids), where).group_by(items.c.stage_id))}


# What a card shows: everything but the description (up to 20,000 characters each, and never
# on a card) and bookkeeping columns.
CARD_COLUMNS = (items.c.id, items.c.service_id, items.c.key, items.c.title, items.c.type,
                items.c.cos, items.c.customer, items.c.due_date, items.c.stage_id, items.c.rank,
                items.c.version, items.c.arrived_at, items.c.committed_at, items.c.delivered_at,
                items.c.discarded_at, items.c.due_at, items.c.entitlement,
                items.c.agreement_id, items.c.agreement_version)
Slice = tuple[ColumnElement[bool], Any, int | None]  # (condition, column to order by, cap)


def _slices(slices: list[Slice], newest_first: bool) -> Any:
    """The union of every slice, each an ordered, limited sub-select: the database walks an
    index and stops at the cap instead of sorting every row of a large column."""
    parts = []
    for where, by, cap in slices:
        order = (by.desc(), items.c.id.desc()) if newest_first else (by.asc(), items.c.id.asc())
        part = select(*CARD_COLUMNS, by.label("by")).where(where).order_by(*order)
        parts.append(select((part if cap is None else part.limit(cap)).subquery()))
    return union_all(*parts).subquery()


def _cards(conn: Connection, open_slices: list[Slice],
           closed_slices: list[Slice]) -> list[WorkItem]:
    """The cards of every column, in order (open ones by rank, closed ones newest first), with
    their assignees and open blockers: four statements, whatever the number of cards."""
    open_cards = _slices(open_slices, newest_first=False)
    closed_cards = _slices(closed_slices, newest_first=True)
    ids = union_all(select(open_cards.c.id), select(closed_cards.c.id))
    assigned = conn.execute(
        select(item_assignees.c.item_id, item_assignees.c.person)
        .where(item_assignees.c.item_id.in_(ids))
        .order_by(item_assignees.c.item_id, item_assignees.c.person)
    )
    people = {item_id: tuple(p for _, p in group)
              for item_id, group in groupby(assigned, key=itemgetter(0))}
    open_blockers: dict[int, Blocker] = {}
    for b in conn.execute(  # delivered and discarded work is never blocked
        select(blockers.c.item_id, blockers.c.reason, blockers.c.category, blockers.c.started_at,
               blockers.c.started_by)
        .where(blockers.c.item_id.in_(select(open_cards.c.id)), blockers.c.ended_at.is_(None))
    ):
        open_blockers[b.item_id] = Blocker(b.reason, b.category, b.started_at,
                                                started_by=b.started_by)
    in_order = (
        select(open_cards).order_by(open_cards.c.stage_id, open_cards.c.by, open_cards.c.id),
        select(closed_cards).order_by(closed_cards.c.stage_id, closed_cards.c.by.desc(),
                                      closed_cards.c.id.desc()),
    )
    # Rows become cards as they stream in: holding every row as well would keep thousands more
    # objects alive through the render (and so for the garbage collector to walk).
    return [
        WorkItem(id=r.id, service_id=r.service_id, key=r.key, title=r.title, type=r.type,
                 cos=ClassOfService(r.cos), customer=r.customer, due_date=r.due_date,
                 stage_id=r.stage_id, rank=r.rank, version=r.version, arrived_at=r.arrived_at,
                 committed_at=r.committed_at, delivered_at=r.delivered_at,
                 discarded_at=r.discarded_at, assignees=people.get(r.id, ()),
                 blocker=open_blockers.get(r.id), due_at=r.due_at, entitlement=r.entitlement,
                 agreement_id=r.agreement_id, agreement_version=r.agreement_version)
        for query in in_order for r in conn.execute(query)
    ]


def filter_choices(uow: UnitOfWork, actor: Actor, key: str) -> FilterChoices:
    """The types, customers and people in use on the service's open work."""
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        return _choices(conn, [s.id for s in service.stages if s.phase.is_open])


def _choices(conn: Connection, open_ids: list[int]) -> FilterChoices:
    in_open = items.c.stage_id.in_(open_ids)
    types = conn.execute(select(items.c.type).where(in_open).distinct().order_by(items.c.type))
    customers = conn.execute(
        select(items.c.customer).where(in_open, items.c.customer != "").distinct()
        .order_by(items.c.customer)
    )
    people = conn.execute(
        select(item_assignees.c.person)
        .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id))
        .where(in_open).distinct().order_by(item_assignees.c.person)
    )
    return FilterChoices([str(t) for t in types.scalars()],
                         [str(c) for c in customers.scalars()],
                         [str(p) for p in people.scalars()])


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
        touched = {item.stage_id}
        ids = list(event_ids)
        moves = select(item_events.c.from_stage_id, item_events.c.to_stage_id)
        if ids:
            moves = moves.where(item_events.c.id.in_(ids))
        else:
            moves = moves.where(item_events.c.item_id == item.id).order_by(
                item_events.c.id.desc()).limit(1)
        for from_id, to_id in conn.execute(moves):
            touched |= {s for s in (from_id, to_id) if s is not None}
        counts = {
            int(sid): int(n) for sid, n in conn.execute(
                select(items.c.stage_id, func.count()).where(items.c.stage_id.in_(touched))
                .group_by(items.c.stage_id))
        }
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
        where = items.c.stage_id == stage.id
        total = int(conn.execute(select(func.count()).where(where)).scalar_one())
        closed_at = func.coalesce(items.c.delivered_at, items.c.discarded_at)
        rows = conn.execute(
            select(items).where(where).order_by(closed_at.desc(), items.c.id.desc())
            .offset(offset).limit(limit)
        ).all()
        people = _assignees(conn, [int(r.id) for r in rows])
    return ClosedPage(service, stage, total, [
        repo.item_from_row(r, tuple(people.get(int(r.id), ())), None) for r in rows
    ])


def _assignees(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    for item_id, person in conn.execute(
        select(item_assignees.c.item_id, item_assignees.c.person)
        .where(item_assignees.c.item_id.in_(ids)).order_by(item_assignees.c.person)
    ):
        found[int(item_id)].append(str(person))
    return found


def service_id(uow: UnitOfWork, actor: Actor, key: str) -> int:
    """The id of the service with this key, when the actor may read it (NotFound when there
    is none, or they are not a member)."""
    with uow.read() as conn:
        return readable_service_id(conn, actor, key)
