"""Marking failure demand and setting a service's first-time-fix window.

`mark_failure_demand` marks an item as a repeat request, a complaint or a correction of an
earlier delivered item, or clears the mark; `set_fix_window` sets how many days after a
delivery failure demand linked to it counts against its first-time fix. Each writes its event
in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import Forbidden, InvalidInput, NotFound
from flowdesk.domain.failure_demand import (
    DEFAULT_FIX_WINDOW_DAYS,
    Earlier,
    check_fix_window,
    check_stems_from,
    parse_kind,
)
from flowdesk.domain.items import WorkItem, check_no_nul
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.services.queries import readable_service_id
from flowdesk.storage import failure_rows
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class MarkFailureDemand:
    item_key: str
    kind: str | None  # None: the item is not failure demand (the mark is cleared)
    stems_from: str | None = None  # the key of the earlier delivered item
    expected_version: int | None = None


def mark_failure_demand(uow: UnitOfWork, clock: Clock, actor: Actor,
                        cmd: MarkFailureDemand) -> WorkItem:
    """Mark the item as failure demand stemming from an earlier delivered item, or clear the
    mark (`kind` None). The earlier item may be in any service the actor may read; one they
    may not read is refused in the words used for one that does not exist."""
    kind = None if cmd.kind is None else parse_kind(cmd.kind)
    if kind is not None and not (cmd.stems_from or "").strip():
        raise InvalidInput("stems_from must name the earlier delivered item (like CLM-12)",
                           "stems_from")
    with uow.write() as conn:
        ref = repo.item_ref_for_key(conn, cmd.item_key)
        authorize(actor, Action.READ, ref.service_id, hidden=repo.no_item(cmd.item_key))
        authorize(actor, Action.EDIT_ITEM, ref.service_id)
        item = repo.load_item(conn, ref.id, lock=uow.locks_rows)
        item.check_version(cmd.expected_version)
        earlier = None if kind is None else _earlier(conn, actor, (cmd.stems_from or "").strip())
        if earlier is not None:
            check_stems_from(item.id, earlier)
        new_kind = None if kind is None else kind.value
        new_from = None if earlier is None else earlier.id
        if (item.failure_kind, item.stems_from_id) == (new_kind, new_from):
            return item
        now = clock.now()
        marked = replace(item, failure_kind=new_kind, stems_from_id=new_from,
                         stems_from_key="" if earlier is None else earlier.key,
                         version=item.version + 1)
        repo.save_item(conn, marked, now)
        repo.append_event(
            conn, service_id=item.service_id, item_id=item.id,
            kind="failure_demand_marked" if kind is not None else "failure_demand_cleared",
            at=now, actor=actor.username,
            payload={"failure_kind": new_kind, "stems_from": marked.stems_from_key or None,
                     "was": {"failure_kind": item.failure_kind,
                             "stems_from": item.stems_from_key or None},
                     "version": marked.version},
        )
        return marked


def _earlier(conn: Connection, actor: Actor, key: str) -> Earlier:
    """The item failure demand stems from, when the actor may read it."""
    check_no_nul(key, "stems_from")
    missing = InvalidInput(f"there is no item {key.upper()}", "stems_from")
    ref = repo.find_item_ref(conn, key)
    if ref is None:
        raise missing
    try:
        authorize(actor, Action.READ, ref.service_id)
    except (NotFound, Forbidden):
        raise missing from None
    earlier = repo.load_item(conn, ref.id)
    return Earlier(earlier.id, earlier.key, earlier.delivered_at is not None)


def fix_window(conn: Connection, service_id: int) -> int:
    """The service's first-time-fix window in days (the default when never set)."""
    days = failure_rows.fix_window_days(conn, service_id)
    return DEFAULT_FIX_WINDOW_DAYS if days is None else days


def set_fix_window(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                   days: int) -> int:
    """Set the service's first-time-fix window (the Service Delivery Manager's)."""
    days = check_fix_window(days)
    with uow.write() as conn:
        service_id = readable_service_id(conn, actor, key)
        authorize(actor, Action.SERVICE_LEVELS, service_id)
        was = fix_window(conn, service_id)
        if was == days:
            return days
        failure_rows.set_fix_window_days(conn, service_id, days)
        repo.append_event(conn, service_id=service_id, item_id=None, kind="fix_window_changed",
                          at=clock.now(), actor=actor.username,
                          payload={"window_days": [was, days]})
        return days
