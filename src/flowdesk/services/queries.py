"""Read-side use cases: service list, board, history, event feed. A constant number of queries
each, never one per card."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from flowdesk.domain.agreements import Agreement
from flowdesk.domain.errors import NotFound
from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Service, Stage
from flowdesk.storage import accounts as people
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import reads
from flowdesk.storage import repository as repo
from flowdesk.storage.reads import EventView as EventView  # the feed's rows, for the edges
from flowdesk.storage.unit_of_work import UnitOfWork

DONE_WINDOW = timedelta(days=14)
FEED_MAX = 1_000


@dataclass(frozen=True)
class ServiceSummary:
    service: Service
    wip: int  # items in the committed phase
    blocked: int
    delivered_this_week: int


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
        ids = reads.service_ids(conn)
        if not actor.is_admin:
            ids = [i for i in ids if actor.is_member(i)]
        loaded = [repo.load_service(conn, sid) for sid in ids]
        committed = reads.committed_counts(conn)
        blocked = reads.blocked_counts(conn)
        # each service's week begins on its own Monday, in its own timezone
        delivered = reads.delivered_counts(conn, {s.id: s.week_start(now) for s in loaded})
        return [
            ServiceSummary(s, int(committed.get(s.id, 0)), int(blocked.get(s.id, 0)),
                           int(delivered.get(s.id, 0)))
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
        counts = reads.stage_counts(conn, service.id)
        open_ids = [s.id for s in service.stages if s.phase.is_open]
        closed_ids = [s.id for s in service.stages if not s.phase.is_open]
        cards = reads.board_cards(conn, service.id, open_ids, closed_ids, done_since,
                                  per_stage_cap)
    by_stage: dict[int, list[WorkItem]] = defaultdict(list)
    for card in cards:
        by_stage[card.stage_id].append(card)
    columns = []
    for stage in service.stages:
        shown_items = by_stage.get(stage.id, [])
        count = int(counts.get(stage.id, 0))
        columns.append(Column(stage, count, shown_items, count - len(shown_items)))
    return Board(service, columns, done_since)


def get_item(uow: UnitOfWork, actor: Actor, key: str) -> tuple[WorkItem, Service]:
    with uow.read() as conn:
        return readable_item(conn, actor, key)


def item_history(uow: UnitOfWork, actor: Actor, key: str) -> list[EventView]:
    with uow.read() as conn:
        item_id = readable_item(conn, actor, key)[0].id
        return reads.item_events_of(conn, item_id, FEED_MAX * 10)


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
        events = reads.item_events_of(conn, item.id, FEED_MAX * 10)
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
        return reads.service_events(conn, service_id, after, min(limit, FEED_MAX))


def latest_event_id(uow: UnitOfWork, key: str) -> int:
    """The id of the service's newest event (0 before the first): a cheap change marker."""
    with uow.read() as conn:
        service_id = repo.service_id_for_key(conn, key)
        return reads.newest_event_id(conn, service_id)


def service_keys(uow: UnitOfWork, ids: list[int]) -> dict[int, str]:
    """The keys of these services, by id."""
    if not ids:
        return {}
    with uow.read() as conn:
        return reads.service_keys(conn, ids)
