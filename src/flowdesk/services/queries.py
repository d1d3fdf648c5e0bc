"""Read-side use cases: service list, board, history, event feed. A constant number of queries
each, never one per card."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from flowdesk.domain.agreements import Agreement
from flowdesk.domain.errors import NotFound
from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Phase, Service, Stage
from flowdesk.services.headlines import Headline, service_headlines
from flowdesk.storage import accounts as people
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import blockers, item_assignees, item_events, items, services, stages
from flowdesk.storage.unit_of_work import UnitOfWork

DONE_WINDOW = timedelta(days=14)
FEED_MAX = 1_000


@dataclass(frozen=True)
class ServiceSummary:
    service: Service
    wip: int  # items in the committed phase
    blocked: int
    delivered_this_week: int
    # The customer-value measures of the last four weeks (services/headlines.py).
    headline: Headline | None = None


@dataclass(frozen=True)
class Column:
    stage: Stage
    count: int  # exact, whatever is shown
    items: list[WorkItem]
    hidden: int  # cards not loaded (old deliveries, or past the per-stage cap)


@dataclass(frozen=True)
class Board:
    service: Service
    columns: list[Column]
    done_since: datetime


def readable_service(conn: Connection, actor: Actor, key: str) -> Service:
    """The service with this key, when the actor may read it. A non-member is told there is
    no such service, exactly as for a key that does not exist."""
    return repo.load_service(conn, readable_service_id(conn, actor, key))


def readable_service_id(conn: Connection, actor: Actor, key: str) -> int:
    hidden = repo.no_service(key)
    try:
        service_id = repo.service_id_for_key(conn, key)
    except NotFound:
        raise hidden from None
    authorize(actor, Action.READ, service_id, hidden=hidden)
    return service_id


def readable_item(conn: Connection, actor: Actor, key: str) -> tuple[WorkItem, Service]:
    """The item with this key and its service, when the actor may read them; a non-member is
    told there is no such item."""
    item = repo.load_item_by_key(conn, key)
    authorize(actor, Action.READ, item.service_id, hidden=repo.no_item(key))
    return item, repo.load_service(conn, item.service_id)


def list_services(uow: UnitOfWork, actor: Actor, now: datetime) -> list[ServiceSummary]:
    """Every service the actor is a member of (an admin: every service), with its WIP, blocked
    items and deliveries since its own week began."""
    with uow.read() as conn:
        ids = [int(i) for i in conn.execute(select(services.c.id).order_by(services.c.key))
               .scalars()]
        if not actor.is_admin:
            ids = [i for i in ids if actor.is_member(i)]
        loaded = [repo.load_service(conn, sid) for sid in ids]
        committed: dict[int, int] = dict(conn.execute(
            select(items.c.service_id, func.count()).select_from(
                items.join(stages, stages.c.id == items.c.stage_id))
            .where(stages.c.phase == Phase.COMMITTED.value).group_by(items.c.service_id)
        ).all())
        blocked: dict[int, int] = dict(conn.execute(
            select(items.c.service_id, func.count()).select_from(
                blockers.join(items, items.c.id == blockers.c.item_id))
            .where(blockers.c.ended_at.is_(None)).group_by(items.c.service_id)
        ).all())
        delivered: dict[int, int] = {}
        if loaded:  # each service's week begins on its own Monday, in its own timezone
            this_week = or_(*[and_(items.c.service_id == s.id,
                                   items.c.delivered_at >= s.week_start(now)) for s in loaded])
            delivered = dict(conn.execute(
                select(items.c.service_id, func.count()).where(this_week)
                .group_by(items.c.service_id)
            ).all())
        headlines = service_headlines(conn, loaded, now)
        return [
            ServiceSummary(s, int(committed.get(s.id, 0)), int(blocked.get(s.id, 0)),
                           int(delivered.get(s.id, 0)), headlines.get(s.id))
            for s in loaded
        ]


def get_service(uow: UnitOfWork, actor: Actor, key: str) -> Service:
    with uow.read() as conn:
        return readable_service(conn, actor, key)


def get_board(uow: UnitOfWork, actor: Actor, key: str, now: datetime, *,
              done_window: timedelta = DONE_WINDOW,
              per_stage_cap: int | None = None) -> Board:
    """The board: every column's exact count, open cards in rank order, recent deliveries only.

    `per_stage_cap` bounds the cards loaded per column on very large boards; counts stay exact.
    """
    done_since = now - done_window
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        counts: dict[int, int] = dict(conn.execute(
            select(items.c.stage_id, func.count()).where(items.c.service_id == service.id)
            .group_by(items.c.stage_id)
        ).all())
        open_ids = [s.id for s in service.stages if s.phase.is_open]
        closed_ids = [s.id for s in service.stages if not s.phase.is_open]
        shown = and_(items.c.service_id == service.id, or_(
            items.c.stage_id.in_(open_ids),
            and_(items.c.stage_id.in_(closed_ids),
                 func.coalesce(items.c.delivered_at, items.c.discarded_at) >= done_since),
        ))
        cards = _load_cards(conn, shown, per_stage_cap)
    by_stage: dict[int, list[WorkItem]] = defaultdict(list)
    for card in cards:
        by_stage[card.stage_id].append(card)
    columns = []
    for stage in service.stages:
        shown_items = by_stage.get(stage.id, [])
        count = int(counts.get(stage.id, 0))
        columns.append(Column(stage, count, shown_items, count - len(shown_items)))
    return Board(service, columns, done_since)


def _load_cards(conn: Connection, where: Any, per_stage_cap: int | None) -> list[WorkItem]:
    """Cards with their assignees and open blockers, in three queries."""
    query = select(items).where(where)
    if per_stage_cap is not None:
        position = func.row_number().over(
            partition_by=items.c.stage_id, order_by=(items.c.rank, items.c.id)
        ).label("pos")
        ranked = select(items, position).where(where).subquery()
        query = select(*[ranked.c[c.name] for c in items.columns]).where(
            ranked.c.pos <= per_stage_cap)
        rows = conn.execute(query.order_by(ranked.c.stage_id, ranked.c.rank, ranked.c.id)).all()
    else:
        rows = conn.execute(query.order_by(items.c.stage_id, items.c.rank, items.c.id)).all()
    ids = select(items.c.id).where(where).scalar_subquery()
    assignees: dict[int, list[str]] = defaultdict(list)
    for item_id, person in conn.execute(
        select(item_assignees.c.item_id, item_assignees.c.person)
        .where(item_assignees.c.item_id.in_(ids)).order_by(item_assignees.c.person)
    ):
        assignees[int(item_id)].append(str(person))
    open_blockers: dict[int, Blocker] = {}
    for b in conn.execute(
        select(blockers).where(and_(blockers.c.item_id.in_(ids), blockers.c.ended_at.is_(None)))
    ):
        open_blockers[int(b.item_id)] = Blocker(b.reason, b.category, b.started_at,
                                                started_by=b.started_by)
    return [
        repo.item_from_row(r, tuple(assignees.get(r.id, ())), open_blockers.get(r.id))
        for r in rows
    ]


def get_item(uow: UnitOfWork, actor: Actor, key: str) -> tuple[WorkItem, Service]:
    with uow.read() as conn:
        return readable_item(conn, actor, key)


@dataclass(frozen=True)
class EventView:
    id: int
    service_id: int
    item_id: int | None
    item_key: str | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    at: datetime
    actor: str
    reason: str | None
    payload: dict[str, Any]
    seq: int = 0  # the event's number within its service: the feed's cursor


def item_history(uow: UnitOfWork, actor: Actor, key: str) -> list[EventView]:
    with uow.read() as conn:
        item_id = readable_item(conn, actor, key)[0].id
        return _events(conn, item_events.c.item_id == item_id, item_events.c.seq, FEED_MAX * 10)


@dataclass(frozen=True)
class ItemPanel:
    """What an item's panel shows: the item, its history, who could be assigned, and the
    display names of everyone it mentions."""

    item: WorkItem
    service: Service
    events: list[EventView]
    members: list[people.MemberRow]  # the service's current members
    names: dict[str, str]  # username -> display name, for assignees and the history's people
    agreement: Agreement | None = None  # the agreement version it arrived under

    def name(self, person: str) -> str:
        """The display name of an account, or the text as it is (imported history may name
        people who have no account)."""
        return self.names.get(person, person)


def item_panel(uow: UnitOfWork, actor: Actor, key: str, now: datetime) -> ItemPanel:
    """The item with its history, the service's members and the names of the people it
    mentions: a constant number of queries, in one transaction."""
    with uow.read() as conn:
        item, service = readable_item(conn, actor, key)
        events = _events(conn, item_events.c.item_id == item.id, item_events.c.seq,
                         FEED_MAX * 10)
        members = people.service_members(conn, service.id, now)
        mentioned = {*item.assignees, *(e.actor for e in events),
                     *(str(e.payload["person"]) for e in events if "person" in e.payload)}
        known = {m.user.username: m.user.display_name for m in members}
        names = {**people.display_names(conn, sorted(mentioned - known.keys())), **known}
        agreement = None
        if item.agreement_id is not None and item.agreement_version is not None:
            agreement = agreement_store.agreement_version(conn, item.agreement_id,
                                                          item.agreement_version)
    return ItemPanel(item, service, events, members, names, agreement)


def service_feed(uow: UnitOfWork, actor: Actor, key: str, after: int,
                 limit: int) -> list[EventView]:
    """Events numbered after the cursor (the `seq` of the last event read), oldest first: for
    integrations and analytics.

    A service's events commit in `seq` order, so a reader that has seen `seq` n has seen every
    event before it, also while others write (ids give no such promise)."""
    with uow.read() as conn:
        service_id = readable_service_id(conn, actor, key)
        where = item_events.c.service_id == service_id
        if after:
            where = and_(where, item_events.c.seq > after)
        return _events(conn, where, item_events.c.seq, min(limit, FEED_MAX))


def _events(conn: Connection, where: Any, order: Any, limit: int) -> list[EventView]:
    from_stage = stages.alias("from_stage")
    to_stage = stages.alias("to_stage")
    query = (
        select(item_events, items.c.key.label("item_key"),
               from_stage.c.name.label("from_name"), to_stage.c.name.label("to_name"))
        .select_from(
            item_events.outerjoin(items, items.c.id == item_events.c.item_id)
            .outerjoin(from_stage, from_stage.c.id == item_events.c.from_stage_id)
            .outerjoin(to_stage, to_stage.c.id == item_events.c.to_stage_id)
        )
        .where(where)
    )
    rows = conn.execute(query.order_by(order).limit(limit)).all()
    return [
        EventView(int(r.id), int(r.service_id), r.item_id, r.item_key, r.kind, r.from_name,
                  r.to_name, r.at, r.actor, r.reason, dict(r.payload or {}), int(r.seq))
        for r in rows
    ]


def latest_event_id(uow: UnitOfWork, key: str) -> int:
    """The id of the service's newest event (0 before the first): a cheap change marker."""
    with uow.read() as conn:
        service_id = repo.service_id_for_key(conn, key)
        newest = conn.execute(
            select(func.max(item_events.c.id)).where(item_events.c.service_id == service_id)
        ).scalar()
        return int(newest or 0)


def service_keys(uow: UnitOfWork, ids: list[int]) -> dict[int, str]:
    """The keys of these services, by id."""
    if not ids:
        return {}
    with uow.read() as conn:
        return {int(i): str(k) for i, k in conn.execute(
            select(services.c.id, services.c.key).where(services.c.id.in_(ids)))}
