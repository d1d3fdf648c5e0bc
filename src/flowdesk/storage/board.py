"""The board's queries (`services.board_views`): a filtered board, the filter menus, one
card's update, a page of closed items. A constant number of statements each, whatever the
number of cards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select, true, union_all

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.workflow import Phase, Service
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import blockers, item_assignees, item_events, items
from flowdesk.storage.text import fold, unicode_lower, use_unicode_lower


class CardFilter(Protocol):
    """What a board shows (`services.board_views.BoardFilter`): empty fields show everything."""

    @property
    def type(self) -> str: ...
    @property
    def cos(self) -> ClassOfService | None: ...
    @property
    def customer(self) -> str: ...
    @property
    def assignee(self) -> str: ...
    @property
    def blocked_only(self) -> bool: ...
    @property
    def search(self) -> str: ...
    @property
    def is_empty(self) -> bool: ...


def filter_clause(flt: CardFilter) -> ColumnElement[bool]:
    """The conditions of `BoardFilter.matches`, as a WHERE clause on `items`."""
    conditions: list[ColumnElement[bool]] = []
    if flt.type:
        conditions.append(items.c.type == flt.type)
    if flt.cos is not None:
        conditions.append(items.c.cos == flt.cos.value)
    if flt.customer:
        conditions.append(items.c.customer == flt.customer)
    if flt.assignee:
        conditions.append(items.c.id.in_(
            select(item_assignees.c.item_id).where(item_assignees.c.person == flt.assignee)
        ))
    if flt.blocked_only:
        conditions.append(items.c.id.in_(
            select(blockers.c.item_id).where(blockers.c.ended_at.is_(None))
        ))
    needle = fold(flt.search.strip())
    if needle:
        conditions.append(or_(
            unicode_lower(items.c.key).contains(needle, autoescape=True),
            unicode_lower(items.c.title).contains(needle, autoescape=True),
        ))
    return and_(true(), *conditions)


def board_cards(conn: Connection, service: Service, flt: CardFilter, done_since: datetime, *,
                per_stage_cap: int | None, uncapped_stage: int | None,
                closed_cap: int | None) -> tuple[dict[int, int], dict[int, int], list[WorkItem]]:
    """(every item by stage, the items that match by stage, the cards), as
    `services.board_views.board_view` describes them."""
    if flt.search:
        use_unicode_lower(conn)
    open_ids = [s.id for s in service.stages if s.phase.is_open]
    closed = [s for s in service.stages if not s.phase.is_open]
    counts = _counts(conn, [s.id for s in service.stages], true())
    matches = filter_clause(flt)
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
    return counts, matching, _cards(conn, open_slices, closed_slices)


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


def filter_values(conn: Connection,
                  open_ids: list[int]) -> tuple[list[str], list[str], list[str]]:
    """The types, customers and people in use on the items of these (open) stages."""
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
    return ([str(t) for t in types.scalars()], [str(c) for c in customers.scalars()],
            [str(p) for p in people.scalars()])


def touched_stages(conn: Connection, item: WorkItem, event_ids: list[int]) -> set[int]:
    """The item's stage and those the events (none given: its latest) moved it from and to."""
    touched = {item.stage_id}
    moves = select(item_events.c.from_stage_id, item_events.c.to_stage_id)
    if event_ids:
        moves = moves.where(item_events.c.id.in_(event_ids))
    else:
        moves = moves.where(item_events.c.item_id == item.id).order_by(
            item_events.c.id.desc()).limit(1)
    for from_id, to_id in conn.execute(moves):
        touched |= {s for s in (from_id, to_id) if s is not None}
    return touched


def stage_counts(conn: Connection, stage_ids: Iterable[int]) -> dict[int, int]:
    """Every item of these stages, by stage."""
    return {
        int(sid): int(n) for sid, n in conn.execute(
            select(items.c.stage_id, func.count()).where(items.c.stage_id.in_(list(stage_ids)))
            .group_by(items.c.stage_id))
    }


def closed_page(conn: Connection, stage_id: int, *, offset: int,
                limit: int) -> tuple[int, list[WorkItem]]:
    """The items of a done or discarded stage, most recently closed first: (how many in all,
    one page of them)."""
    where = items.c.stage_id == stage_id
    total = int(conn.execute(select(func.count()).where(where)).scalar_one())
    closed_at = func.coalesce(items.c.delivered_at, items.c.discarded_at)
    rows = conn.execute(
        select(items).where(where).order_by(closed_at.desc(), items.c.id.desc())
        .offset(offset).limit(limit)
    ).all()
    people = _assignees(conn, [int(r.id) for r in rows])
    return total, [repo.item_from_row(r, tuple(people.get(int(r.id), ())), None) for r in rows]


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
