"""The board's queries (`services.board_views`): a filtered board, the filter menus, one
card's update, a page of closed items. A constant number of statements each, whatever the
number of cards."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from threading import Lock
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

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
    `services.board_views.board_view` describes them: three statements, or four with a
    filter, whatever the number of cards."""
    if not service.stages:
        return {}, {}, []
    if flt.search:
        use_unicode_lower(conn)
    shape = BoardShape(
        conn.dialect.name, service.id, tuple((s.id, s.phase) for s in service.stages),
        (flt.type, flt.cos, flt.customer, flt.assignee, flt.blocked_only, flt.search),
        per_stage_cap, uncapped_stage, closed_cap)
    statements = _STATEMENTS.get(shape)
    if statements is None:
        statements = _board_statements(shape, flt)
        with _STATEMENTS_LOCK:  # requests run in threads
            if len(_STATEMENTS) >= _STATEMENTS_KEPT:  # the oldest shape goes
                del _STATEMENTS[next(iter(_STATEMENTS))]
            _STATEMENTS[shape] = statements
    since = {"done_since": done_since}
    counts = _counted(conn.execute(statements.counts))
    closed = [sid for sid, phase in shape.stages if not phase.is_open]
    matching = {
        **(counts if statements.open_matching is None
           else _counted(conn.execute(statements.open_matching))),
        **dict.fromkeys(closed, 0),
        **(_counted(conn.execute(statements.closed_matching, since))
           if statements.closed_matching is not None else {}),
    }
    return counts, matching, _cards(_plain_rows(conn.execute(statements.cards, since)), shape)


@dataclass(frozen=True)
class BoardShape:
    """What a board's statements depend on, besides the moment (a bound parameter)."""

    dialect: str
    service_id: int
    stages: tuple[tuple[int, Phase], ...]  # in board order
    flt: tuple[object, ...]
    per_stage_cap: int | None
    uncapped_stage: int | None
    closed_cap: int | None


@dataclass(frozen=True)
class BoardStatements:
    counts: Select[Any]
    open_matching: Select[Any] | None  # None without a filter: every item matches
    closed_matching: Any  # None without closed stages
    cards: Any


# Building a board's statements costs about as much as running them, so those of the boards
# shown lately are kept (they hold no values but the stage ids and the filter's).
_STATEMENTS: dict[BoardShape, BoardStatements] = {}
_STATEMENTS_KEPT = 256
_STATEMENTS_LOCK = Lock()


def _board_statements(shape: BoardShape, flt: CardFilter) -> BoardStatements:
    all_ids = [sid for sid, _ in shape.stages]
    open_ids = [sid for sid, phase in shape.stages if phase.is_open]
    closed = [(sid, phase) for sid, phase in shape.stages if not phase.is_open]
    matches = filter_clause(flt)
    since = bindparam("done_since", type_=items.c.delivered_at.type)
    parts: list[Select[Any]] = []
    for sid, phase in shape.stages:
        if phase.is_open:
            cap = None if sid == shape.uncapped_stage else shape.per_stage_cap
            parts.append(_slice(shape.dialect, and_(items.c.stage_id == sid, matches),
                                (items.c.rank.asc(), items.c.id.asc()), cap))
        else:
            at = _closed_column(phase)
            parts.append(_slice(shape.dialect, and_(_recent(shape.service_id, sid, phase, since),
                                                    matches),
                                (at.desc(), items.c.id.desc()), shape.closed_cap))
    closed_matching = None if not closed else union_all(*[
        select(literal(sid).label("stage_id"), func.count())
        .where(_recent(shape.service_id, sid, phase, since), matches)
        for sid, phase in closed])
    return BoardStatements(
        counts=_count(all_ids, true()),
        open_matching=None if flt.is_empty else _count(open_ids, matches),
        closed_matching=closed_matching,
        cards=union_all(*parts) if len(parts) > 1 else parts[0],
    )


def _closed_column(phase: Phase) -> Any:
    """When an item entered a closed phase: delivered_at in done, discarded_at in discarded."""
    return items.c.delivered_at if phase is Phase.DONE else items.c.discarded_at


def _recent(service_id: int, stage_id: int, phase: Phase, since: Any) -> ColumnElement[bool]:
    """The items of a closed stage closed since `since`. Done ones are read through the
    (service, delivered_at) index; discarded ones through the stage's, as no index leads with
    discarded_at (through the service's index alone, every item of the service is read)."""
    if phase is Phase.DONE:
        return and_(items.c.service_id == service_id, items.c.delivered_at >= since,
                    items.c.stage_id == stage_id)
    return and_(items.c.stage_id == stage_id, items.c.discarded_at >= since)


def _count(stage_ids: list[int], where: ColumnElement[bool]) -> Select[Any]:
    return (select(items.c.stage_id, func.count())
            .where(items.c.stage_id.in_(stage_ids) if stage_ids else false(), where)
            .group_by(items.c.stage_id))


def _counted(rows: Iterable[Any]) -> dict[int, int]:
    return {int(sid): int(n) for sid, n in rows}


def _people(dialect: str) -> Any:
    """An item's assignees as a JSON array: ordered by the database on PostgreSQL (as every
    other read orders them, by its collation); on SQLite, whose text order is the code point
    order, `_cards` sorts them."""
    people: ColumnElement[Any]
    if dialect == "postgresql":  # as text: a row of plain values can be looked up by value
        people = cast(func.json_agg(aggregate_order_by(item_assignees.c.person,
                                                       item_assignees.c.person)), Text)
    else:
        people = func.json_group_array(item_assignees.c.person)
    return (select(people).where(item_assignees.c.item_id == items.c.id)
            .scalar_subquery().label("people"))


def _slice(dialect: str, where: ColumnElement[bool], order: tuple[Any, ...],
           cap: int | None) -> Select[Any]:
    """One column's cards, in its order, at most `cap`: an ordered, limited sub-select, so
    the database walks an index and stops at the cap instead of sorting a large column. Each
    card comes with its assignees and its open blocker (one at most, by a unique index)."""
    part = (select(*CARD_COLUMNS, _people(dialect), *BLOCKER_COLUMNS)
            .select_from(items.outerjoin(blockers, and_(blockers.c.item_id == items.c.id,
                                                        blockers.c.ended_at.is_(None))))
            .where(where).order_by(*order))
    return select((part if cap is None else part.limit(cap)).subquery())


def _as_read(column: Any) -> Any:
    """The column as the driver returns it, without SQLAlchemy's decoding (`_cards` decodes
    moments and dates itself, as `tables.UtcDateTime` and `Date` do, at a fraction of the cost
    of a Python call chain per value)."""
    return type_coerce(column, String()).label(column.name)


# What a card shows: everything but the description (up to 20,000 characters each, and never
# on a card) and bookkeeping columns. `_cards` reads them by position, in this order.
CARD_COLUMNS = (items.c.id, items.c.key, items.c.title, items.c.type,
                items.c.cos, items.c.customer, _as_read(items.c.due_date), items.c.stage_id,
                items.c.rank, items.c.version, _as_read(items.c.arrived_at),
                _as_read(items.c.committed_at), _as_read(items.c.delivered_at),
                _as_read(items.c.discarded_at), _as_read(items.c.due_at), items.c.entitlement,
                items.c.agreement_id, items.c.agreement_version)
BLOCKER_COLUMNS = (blockers.c.reason.label("blocker_reason"),
                   blockers.c.category.label("blocker_category"),
                   _as_read(blockers.c.started_at).label("blocker_started_at"),
                   blockers.c.started_by.label("blocker_started_by"))
CLASSES = {c.value: c for c in ClassOfService}


# The cards of the last board read for each layout of stages, by the row each was read from:
# a card whose row is read again unchanged is that card (they are immutable, and a row holds
# all a card is made of), so only rows that changed are decoded again. Each read keeps only its
# own rows, so what is kept is bounded by the boards shown, never stale.
# A database dialect (they decode differently), a service, its stages and their phases.
Layout = tuple[str, int, tuple[tuple[int, Phase], ...]]
_READ: dict[Layout, dict[Any, WorkItem]] = {}
_LAYOUTS_KEPT = 16
_READ_LOCK = Lock()


def _plain_rows(result: CursorResult[Any]) -> list[tuple[Any, ...]]:
    """Every row of a result at once, as the driver returns them: plain tuples, fetched in
    bulk, with no `Row` made for each (making them, and the garbage collections they set off,
    cost more than looking the cards up), compared in C when `_cards` looks them up in `_READ`
    (a `Row` compares through Python). Nothing is skipped by reading past SQLAlchemy: the
    card columns have no result processing, `_card` decodes them itself (see `_as_read`)."""
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _cards(rows: list[tuple[Any, ...]], shape: BoardShape) -> list[WorkItem]:
    """The cards of every column, in board order: open columns by rank, closed ones newest
    first (each slice is limited in its own order; the union of them is put in order here)."""
    layout: Layout = (shape.dialect, shape.service_id, shape.stages)
    known = _READ.get(layout, {}).get
    closed = {sid for sid, phase in shape.stages if not phase.is_open}
    people: dict[str, tuple[str, ...]] = {}  # the same few sets of assignees recur
    sort_people = shape.dialect != "postgresql"  # see `_people`
    found = [known(row) or _card(row, shape.service_id, closed, people, sort_people)
             for row in rows]
    read = dict(zip(rows, found, strict=True))
    with _READ_LOCK:  # requests run in threads
        _READ.pop(layout, None)
        if len(_READ) >= _LAYOUTS_KEPT:  # the layout read least recently goes
            del _READ[next(iter(_READ))]
        _READ[layout] = read
    by_stage: dict[int, list[WorkItem]] = {sid: [] for sid, _ in shape.stages}
    for card in found:
        by_stage[card.stage_id].append(card)
    cards: list[WorkItem] = []
    for sid, phase in shape.stages:
        column = by_stage[sid]
        if phase.is_open:
            column.sort(key=_BY_RANK)
        else:
            column.sort(key=_BY_DELIVERY if phase is Phase.DONE else _BY_DISCARD, reverse=True)
        cards += column
    return cards


def _card(row: Any, service_id: int, closed: set[int], decoded: dict[str, tuple[str, ...]],
          sort_people: bool) -> WorkItem:
    """One card from its row (`CARD_COLUMNS`, its people, its blocker), decoded as the
    column types would (`tables.UtcDateTime`, `Date`), at a fraction of the cost."""
    (id_, key, title, type_, cos, customer, due_date, stage_id, rank, version, arrived_at,
     committed_at, delivered_at, discarded_at, due_at, entitlement, agreement_id,
     agreement_version, people, b_reason, b_category, b_started_at, b_started_by) = row
    if people is None or people == "[]":  # nobody: SQL null, or SQLite's empty array
        assignees: tuple[str, ...] = ()
    else:  # a JSON array of text
        assignees = decoded.get(people) or decoded.setdefault(
            people, tuple(sorted(json.loads(people)) if sort_people else json.loads(people)))
    blocker = (None if b_reason is None or stage_id in closed  # closed work is never blocked
               else Blocker(b_reason, b_category, _moment(b_started_at),
                            started_by=b_started_by))
    return WorkItem(
        id=id_, service_id=service_id, key=key, title=title, type=type_, cos=CLASSES[cos],
        customer=customer,
        due_date=due_date and (date.fromisoformat(due_date) if isinstance(due_date, str)
                               else due_date),
        stage_id=stage_id, rank=rank, version=version, arrived_at=_moment(arrived_at),
        committed_at=committed_at and _moment(committed_at),
        delivered_at=delivered_at and _moment(delivered_at),
        discarded_at=discarded_at and _moment(discarded_at), assignees=assignees,
        blocker=blocker, due_at=due_at and _moment(due_at), entitlement=entitlement,
        agreement_id=agreement_id, agreement_version=agreement_version)


def _moment(value: Any) -> datetime:
    """A moment as `tables.UtcDateTime` reads it: SQLite's text (naive UTC) or PostgreSQL's
    aware datetime, as an aware UTC datetime."""
    if isinstance(value, str):
        try:  # naive UTC text, as stored: read as UTC in one step (`replace` costs 7 times more)
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text that names its offset already
            value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# Sort keys, read in C: an open column by (rank, id); a closed one by (closed at, id), every
# item of which was read as closed since a moment, so the moment is never None.
_BY_RANK = attrgetter("rank", "id")
_BY_DELIVERY = attrgetter("delivered_at", "id")
_BY_DISCARD = attrgetter("discarded_at", "id")


_IN_OPEN = items.c.stage_id.in_(bindparam("open_ids", expanding=True))
_PAIRS = select(items.c.type, items.c.customer).where(_IN_OPEN).distinct().subquery()
# Types and customers in one pass over the items: their pairs, each ranked by the database,
# so that the menus follow its collation.
_TYPES_AND_CUSTOMERS = select(_PAIRS.c.type, _PAIRS.c.customer,
                              func.dense_rank().over(order_by=_PAIRS.c.type),
                              func.dense_rank().over(order_by=_PAIRS.c.customer))
_PEOPLE = (select(item_assignees.c.person)
           .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id))
           .where(_IN_OPEN).distinct().order_by(item_assignees.c.person))


def filter_values(conn: Connection,
                  open_ids: list[int]) -> tuple[list[str], list[str], list[str]]:
    """The types, customers and people in use on the items of these (open) stages, each in
    the database's order: two statements."""
    types: dict[str, int] = {}
    customers: dict[str, int] = {}
    for type_, customer, type_rank, customer_rank in conn.execute(
            _TYPES_AND_CUSTOMERS, {"open_ids": open_ids}):
        types[str(type_)] = int(type_rank)
        if customer != "":
            customers[str(customer)] = int(customer_rank)
    people = conn.execute(_PEOPLE, {"open_ids": open_ids}).scalars()
    return (sorted(types, key=types.__getitem__), sorted(customers, key=customers.__getitem__),
            [str(p) for p in people])


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
