"""Map rows to domain objects and back. Every function works inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    CursorResult,
    Row,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)

from flowdesk.domain.classes import ClassOfService, ClassPolicy, default_class_policies
from flowdesk.domain.errors import NotFound
from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.wip import WipCounts
from flowdesk.domain.workflow import Phase, Service, Stage, StageGroup, StageKind
from flowdesk.storage import hot
from flowdesk.storage.tables import (
    blockers,
    class_policies,
    event_counters,
    item_assignees,
    item_events,
    items,
    services,
    stage_group_members,
    stage_groups,
    stages,
)
from flowdesk.storage.unit_of_work import ARCHIVED_KEY, Written

# The hot statements are built once, here, and run with parameters: building a statement and
# its cache key costs several times more than running it, and every use case runs a dozen.
# (Bound names differ from column names: SQLAlchemy keeps those for INSERT/UPDATE values.)
_SERVICE_ID_BY_KEY = (select(services.c.id, services.c.archived_at)
                      .where(services.c.key == bindparam("b_key")))
_SERVICE = select(services).where(services.c.id == bindparam("b_service"))
# FOR NO KEY UPDATE, not FOR UPDATE: it queues writers just the same, but does not block the
# KEY SHARE lock a foreign-key check takes (any insert of a row that refers to the service).
_SERVICE_LOCKED = _SERVICE.with_for_update(key_share=True)
_STAGES = (select(stages).where(stages.c.service_id == bindparam("b_service"))
           .order_by(stages.c.position))
_GROUPS = select(stage_groups).where(stage_groups.c.service_id == bindparam("b_service"))
_GROUP_MEMBERS = select(stage_group_members).where(
    stage_group_members.c.group_id.in_(bindparam("b_groups", expanding=True)))
_CLASSES = select(class_policies).where(class_policies.c.service_id == bindparam("b_service"))
_LOCK_STAGE = (select(stages.c.id).where(stages.c.id == bindparam("b_stage"))
               .with_for_update(key_share=True))
_ITEM_ID_BY_KEY = select(items.c.id).where(items.c.key == bindparam("b_key"))
# The key of the item a failure-demand item stems from (null for most items).
_EARLIER = items.alias("earlier")
_STEMS_FROM_KEY = (select(_EARLIER.c.key).where(_EARLIER.c.id == items.c.stems_from_id)
                   .scalar_subquery().label("stems_from_key"))
# An item with its assignees and its open blocker, in one query: a row per assignee (at least
# one row), each carrying the item and its blocker (at most one is open, by a unique index).
_ITEM_WHOLE = (
    select(items, _STEMS_FROM_KEY, item_assignees.c.person.label("assignee"),
           blockers.c.reason.label("blocker_reason"),
           blockers.c.category.label("blocker_category"),
           blockers.c.started_at.label("blocker_started_at"),
           blockers.c.started_by.label("blocker_started_by"))
    .select_from(items.outerjoin(item_assignees, item_assignees.c.item_id == items.c.id)
                 .outerjoin(blockers, and_(blockers.c.item_id == items.c.id,
                                           blockers.c.ended_at.is_(None))))
    .order_by(item_assignees.c.person)
)
_ITEM = _ITEM_WHOLE.where(items.c.id == bindparam("b_item"))
# Only the item's row is locked (PostgreSQL cannot lock the missing side of an outer join).
_ITEM_LOCKED = _ITEM.with_for_update(of=items, key_share=True)
_OTHERS = items.alias("others")
# A move reads the rank of the bottom card of the stage it goes to along with the item it
# locks: one statement fewer on the hottest write.
_ITEM_LOCKED_AND_BOTTOM = (
    _ITEM_WHOLE.add_columns(
        select(func.max(_OTHERS.c.rank))
        .where(_OTHERS.c.stage_id == bindparam("b_to"), _OTHERS.c.id != bindparam("b_item"))
        .scalar_subquery().label("bottom_rank"))
    .where(items.c.id == bindparam("b_item"))
    .with_for_update(of=items, key_share=True)
)
_ITEM_BY_KEY = _ITEM_WHOLE.where(items.c.key == bindparam("b_key"))
_ITEM_REF_BY_KEY = select(items.c.id, items.c.service_id, items.c.stage_id, items.c.version).where(
    items.c.key == bindparam("b_key"))
_ITEM_REF_AND_SERVICE = (
    select(items.c.id.label("item_id"), items.c.stage_id.label("item_stage_id"),
           items.c.version.label("item_version"), services)
    .join(services, services.c.id == items.c.service_id)
    .where(items.c.key == bindparam("b_key"))
)
_BUMP_NUMBER = (update(services).where(services.c.id == bindparam("b_service"))
                .values(next_number=services.c.next_number + 1))
_NEXT_NUMBER = select(services.c.next_number).where(services.c.id == bindparam("b_service"))
_INSERT_ITEM = insert(items)
_SAVE_ITEM = update(items).where(items.c.id == bindparam("b_item"))  # SET: the params given
_INSERT_ASSIGNEE = insert(item_assignees)
_DELETE_ASSIGNEE = item_assignees.delete().where(and_(
    item_assignees.c.item_id == bindparam("b_item"),
    item_assignees.c.person == bindparam("b_person"),
))
_OTHERS_IN_STAGE = and_(items.c.stage_id == bindparam("b_stage"),
                        items.c.id != bindparam("b_item"))
_LAST_RANK = select(func.max(items.c.rank)).where(_OTHERS_IN_STAGE)
_LAST_RANK_IN_STAGE = select(func.max(items.c.rank)).where(items.c.stage_id == bindparam("b_stage"))
_RANK_OF = select(items.c.rank).where(items.c.id == bindparam("b_before"))
_LAST_RANK_BELOW = select(func.max(items.c.rank)).where(
    and_(_OTHERS_IN_STAGE, items.c.rank < bindparam("b_rank")))
_COUNT_BY_STAGE = (select(items.c.stage_id, func.count())
                   .where(items.c.stage_id.in_(bindparam("b_stages", expanding=True)))
                   .group_by(items.c.stage_id))
_COUNT_BY_CLASS = (select(items.c.cos, func.count())
                   .where(items.c.stage_id.in_(bindparam("b_stages", expanding=True)))
                   .group_by(items.c.cos))
_COUNT_BY_PERSON = (
    select(item_assignees.c.person, func.count())
    .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id))
    .where(and_(items.c.stage_id.in_(bindparam("b_stages", expanding=True)),
                item_assignees.c.person.in_(bindparam("b_persons", expanding=True))))
    .group_by(item_assignees.c.person)
)
_INSERT_BLOCKER = insert(blockers)
_CLOSE_BLOCKER = update(blockers).where(
    and_(blockers.c.item_id == bindparam("b_item"), blockers.c.ended_at.is_(None)))
_INSERT_EVENT = insert(item_events)  # its `seq` comes from `tables._next_event_seq`
# On PostgreSQL, one round trip numbers the event and inserts it: the counter's UPDATE runs in
# a WITH clause (as `_next_event_seq` would run it, in the same place in the lock order).
_EVENT_FIELDS = ("service_id", "item_id", "kind", "from_stage_id", "to_stage_id", "at", "actor",
                 "reason", "payload")
_NEXT_SEQ = (update(event_counters)
             .where(event_counters.c.service_id == bindparam("b_counter"))
             .values(last_seq=event_counters.c.last_seq + 1)
             .returning(event_counters.c.last_seq)
             .cte("next_seq"))
_NUMBERED_EVENT = select(_NEXT_SEQ.c.last_seq,
                         *(bindparam(f"e_{name}", type_=item_events.c[name].type)
                           for name in _EVENT_FIELDS))
_INSERT_NUMBERED_EVENT = (
    insert(item_events).add_cte(_NEXT_SEQ)
    .from_select(["seq", *_EVENT_FIELDS], _NUMBERED_EVENT, include_defaults=False)
    .returning(item_events.c.id)
)
# The same, inserting nothing when the service's workflow is no longer the one the write read
# (see `append_event`'s `workflow_token`).
_INSERT_NUMBERED_EVENT_IF_CURRENT = (
    insert(item_events).add_cte(_NEXT_SEQ)
    .from_select(["seq", *_EVENT_FIELDS], _NUMBERED_EVENT.where(exists(
        select(services.c.id).where(services.c.id == bindparam("b_counter"),
                                    services.c.workflow_token == bindparam("b_token")))),
        include_defaults=False)
    .returning(item_events.c.id)
)


class WorkflowChanged(Exception):
    """The service's workflow changed while a write that read it waited (PostgreSQL)."""


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT just created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# --- services -------------------------------------------------------------------------------

def _shown(key: str) -> str:
    return repr(key) if "\x00" in key else f"'{key}'"


def no_service(key: str) -> NotFound:
    """What a missing service is called; a non-member is told exactly the same."""
    return NotFound(f"no service with key {_shown(key)}", field="key")


def no_item(key: str) -> NotFound:
    """What a missing item is called; a non-member of its service is told exactly the same."""
    return NotFound(f"no item with key {_shown(key)}", field="item")


def service_id_for_key(conn: Connection, key: str, *, archived_ok: bool = False) -> int:
    """The id of the service with this key. A write transaction that uses an archived
    service is refused (`touch_archived`) unless `archived_ok` (restoring or deleting it)."""
    if "\x00" in key:  # PostgreSQL refuses NUL in a query parameter; no key contains one
        raise no_service(key)
    row = conn.execute(_SERVICE_ID_BY_KEY, {"b_key": key.upper()}).one_or_none()
    if row is None:
        raise no_service(key)
    if row.archived_at is not None and not archived_ok:
        touch_archived(conn, key.upper())
    return int(row.id)


def touch_archived(conn: Connection, key: str) -> None:
    """Note that a write transaction used an archived service: `UnitOfWork.write` then
    refuses to commit it (409, `ARCHIVED_KEY`). The refusal waits for the commit so that
    authorisation answers first: a non-member still hears that there is no such service."""
    if conn.get_execution_options().get("flowdesk_write"):
        conn.info[ARCHIVED_KEY] = key


# A service's workflow (stages, groups, class policies) by (service id, workflow token). Every
# write reads it, and it changes rarely: `touch_workflow` gives the service a new token in the
# same transaction as any change, so a process never uses a workflow another has replaced.
Workflow = tuple[tuple[Stage, ...], tuple[StageGroup, ...], dict[ClassOfService, ClassPolicy],
                 tuple[Stage, ...]]  # the last: retired stages
WORKFLOW_CACHE_SIZE = 512
_WORKFLOWS: dict[tuple[int, str], Workflow] = {}


def touch_workflow(conn: Connection, service_id: int) -> None:
    """Mark the service's workflow as changed (call in the transaction that changes it)."""
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(workflow_token=uuid.uuid4().hex))


def _load_workflow(conn: Connection, params: dict[str, int]) -> Workflow:
    stage_rows = conn.execute(_STAGES, params).all()
    group_rows = conn.execute(_GROUPS, params).all()
    members: dict[int, set[int]] = defaultdict(set)
    if group_rows:
        for m in conn.execute(_GROUP_MEMBERS, {"b_groups": [g.id for g in group_rows]}):
            members[m.group_id].add(m.stage_id)
    classes = default_class_policies()
    for c in conn.execute(_CLASSES, params):
        cos = ClassOfService(c.cos)
        classes[cos] = ClassPolicy(
            cos, c.wip_limit, c.may_exceed_stage_limits, c.requires_due_date, c.policy
        )
    return (
        tuple(stage_from_row(s) for s in stage_rows if s.retired_at is None),
        tuple(StageGroup(g.id, g.name, frozenset(members[g.id]), g.wip_limit)
              for g in group_rows),
        classes,
        tuple(stage_from_row(s) for s in stage_rows if s.retired_at is not None),
    )


def load_service(conn: Connection, service_id: int, *, lock: bool = False,
                 archived_ok: bool = False) -> Service:
    """The service with its workflow (cached by its token, see `touch_workflow`). `lock`
    takes the service row's lock on PostgreSQL (FOR NO KEY UPDATE). In a write transaction
    an archived service is refused (409) unless `archived_ok`."""
    row = hot.execute(conn, _SERVICE_LOCKED if lock else _SERVICE,
                      {"b_service": service_id}).one_or_none()
    if row is None:
        raise NotFound(f"no service with id {service_id}")
    return _service_from_row(conn, row, archived_ok=archived_ok)


def _service_from_row(conn: Connection, row: Row[Any], *, archived_ok: bool = False) -> Service:
    """The service a `services` row describes, with its workflow from the cache when the
    row's token is still the cached one. Every write loads its service through here or
    `service_id_for_key`, so an archived service is read-only (unless `archived_ok`)."""
    if row.archived_at is not None and not archived_ok:
        touch_archived(conn, str(row.key))
    cache_key = (int(row.id), str(row.workflow_token))
    workflow = _WORKFLOWS.get(cache_key) if row.workflow_token else None
    if workflow is None:
        workflow = _load_workflow(conn, {"b_service": row.id})
        if row.workflow_token:
            if len(_WORKFLOWS) >= WORKFLOW_CACHE_SIZE:
                _WORKFLOWS.clear()  # services are few; a full cache is stale tokens
            _WORKFLOWS[cache_key] = workflow
    stages_, groups, classes, retired = workflow
    return Service(
        id=row.id,
        key=row.key,
        name=row.name,
        description=row.description,
        stages=stages_,
        groups=groups,
        classes=dict(classes),
        person_wip_limit=row.person_wip_limit,
        blocker_categories=tuple(row.blocker_categories),
        timezone=row.timezone,
        retired_stages=retired,
        deliver_from_any_stage=bool(row.deliver_from_any_stage),
        workflow_token=str(row.workflow_token),
        archived_at=row.archived_at,
        demo=bool(row.demo),
        item_types=tuple(row.item_types or ()),
    )


def stage_from_row(row: Row[Any]) -> Stage:
    return Stage(
        id=row.id,
        name=row.name,
        phase=Phase(row.phase),
        kind=StageKind(row.kind),
        position=row.position,
        wip_limit=row.wip_limit,
        policy=row.policy,
    )


# --- items ----------------------------------------------------------------------------------

def item_id_for_key(conn: Connection, key: str) -> int:
    if "\x00" in key:  # PostgreSQL refuses NUL in a query parameter; no key contains one
        raise no_item(key)
    iid = conn.execute(_ITEM_ID_BY_KEY, {"b_key": key.upper()}).scalar()
    if iid is None:
        raise no_item(key)
    return int(iid)


def lock_stage(conn: Connection, stage_id: int) -> None:
    """Row-lock one stage (PostgreSQL): concurrent pulls into it queue up here."""
    hot.execute(conn, _LOCK_STAGE, {"b_stage": stage_id})


def load_item(conn: Connection, item_id: int, *, lock: bool = False) -> WorkItem:
    rows = hot.execute(conn, _ITEM_LOCKED if lock else _ITEM, {"b_item": item_id}).all()
    if not rows:
        raise NotFound(f"no item with id {item_id}", field="item")
    return _whole_item(rows)


class Bottom(NamedTuple):
    """The rank of the bottom card of a stage, leaving one item out (None: no other card)."""

    rank: int | None


def load_item_for_move(conn: Connection, item_id: int, to_stage_id: int) -> tuple[WorkItem,
                                                                                   Bottom]:
    """The item, locked (PostgreSQL), and the bottom of the stage it is moving to, where a move
    puts it unless told where: `stage_neighbours` in the same statement as the lock."""
    rows = hot.execute(conn, _ITEM_LOCKED_AND_BOTTOM,
                       {"b_item": item_id, "b_to": to_stage_id}).all()
    if not rows:
        raise NotFound(f"no item with id {item_id}", field="item")
    bottom = rows[0].bottom_rank
    return _whole_item(rows), Bottom(None if bottom is None else int(bottom))


def _whole_item(rows: Sequence[Row[Any]]) -> WorkItem:
    """The item that `_ITEM_WHOLE` rows describe (one row per assignee)."""
    first = rows[0]
    blocker = None
    if first.blocker_reason is not None:
        blocker = Blocker(first.blocker_reason, first.blocker_category,
                          first.blocker_started_at, started_by=first.blocker_started_by)
    assignees = tuple(row.assignee for row in rows if row.assignee is not None)
    return item_from_row(first, assignees, blocker)


class ItemRef(NamedTuple):
    """Where an item is, without its details: enough to decide which locks a move needs."""

    id: int
    service_id: int
    stage_id: int
    version: int


def item_ref_and_service(conn: Connection, key: str) -> tuple[ItemRef, Service]:
    """Where the item with this key is, and its service (unlocked), in one query."""
    if "\x00" in key:  # PostgreSQL refuses NUL in a query parameter; no key contains one
        raise no_item(key)
    row = hot.execute(conn, _ITEM_REF_AND_SERVICE, {"b_key": key.upper()}).one_or_none()
    if row is None:
        raise no_item(key)
    ref = ItemRef(int(row.item_id), int(row.id), int(row.item_stage_id), int(row.item_version))
    return ref, _service_from_row(conn, row)


def item_ref_for_key(conn: Connection, key: str) -> ItemRef:
    ref = find_item_ref(conn, key)
    if ref is None:
        raise no_item(key)
    return ref


def find_item_ref(conn: Connection, key: str) -> ItemRef | None:
    """Where the item with this key is, or None when there is no such item."""
    if "\x00" in key:  # PostgreSQL refuses NUL in a query parameter; no key contains one
        return None
    row = conn.execute(_ITEM_REF_BY_KEY, {"b_key": key.upper()}).one_or_none()
    if row is None:
        return None
    return ItemRef(int(row.id), int(row.service_id), int(row.stage_id), int(row.version))


def load_item_by_key(conn: Connection, key: str) -> WorkItem:
    """The item with this public key: one query fewer than item_id_for_key, then load_item."""
    if "\x00" in key:  # PostgreSQL refuses NUL in a query parameter; no key contains one
        raise no_item(key)
    rows = conn.execute(_ITEM_BY_KEY, {"b_key": key.upper()}).all()
    if not rows:
        raise no_item(key)
    return _whole_item(rows)


def item_from_row(row: Row[Any], assignees: tuple[str, ...], blocker: Blocker | None) -> WorkItem:
    return WorkItem(
        id=row.id,
        service_id=row.service_id,
        key=row.key,
        title=row.title,
        description=row.description,
        type=row.type,
        cos=ClassOfService(row.cos),
        customer=row.customer,
        due_date=row.due_date,
        assignees=assignees,
        stage_id=row.stage_id,
        rank=row.rank,
        version=row.version,
        arrived_at=row.arrived_at,
        committed_at=row.committed_at,
        delivered_at=row.delivered_at,
        discarded_at=row.discarded_at,
        blocker=blocker,
        customer_id=row.customer_id,
        due_at=row.due_at,
        entitlement=row.entitlement,
        agreement_id=row.agreement_id,
        agreement_version=row.agreement_version,
        failure_kind=row._mapping.get("failure_kind"),
        stems_from_id=row._mapping.get("stems_from_id"),
        stems_from_key=row._mapping.get("stems_from_key") or "",
    )


def next_item_number(conn: Connection, service_id: int) -> int:
    """Reserve the next per-service number (the row update serialises concurrent creates)."""
    conn.execute(_BUMP_NUMBER, {"b_service": service_id})
    number = conn.execute(_NEXT_NUMBER, {"b_service": service_id}).scalar_one()
    return int(number) - 1


def insert_item(conn: Connection, item: WorkItem, number: int, now: datetime,
                external_id: str | None = None,
                user_ids: Mapping[str, int] | None = None) -> int:
    """Insert a new item and its assignees (`user_ids`: the accounts among them)."""
    result = conn.execute(_INSERT_ITEM, {
        "service_id": item.service_id, "number": number, "key": item.key, "title": item.title,
        "description": item.description, "type": item.type, "cos": item.cos.value,
        "customer": item.customer, "due_date": item.due_date, "stage_id": item.stage_id,
        "rank": item.rank, "version": item.version, "arrived_at": item.arrived_at,
        "committed_at": item.committed_at, "delivered_at": item.delivered_at,
        "discarded_at": item.discarded_at, "updated_at": now, "external_id": external_id,
        "customer_id": item.customer_id, "due_at": item.due_at,
        "entitlement": item.entitlement, "agreement_id": item.agreement_id,
        "agreement_version": item.agreement_version,
    })
    item_id = inserted_id(result)
    for person in item.assignees:
        conn.execute(_INSERT_ASSIGNEE, {"item_id": item_id, "person": person,
                                        "user_id": (user_ids or {}).get(person)})
    return item_id


def save_item(conn: Connection, item: WorkItem, now: datetime) -> None:
    """Write the item's current state; the version in `item` is the new version."""
    hot.execute(conn, _SAVE_ITEM, {
        "b_item": item.id, "title": item.title, "description": item.description,
        "type": item.type, "cos": item.cos.value, "customer": item.customer,
        "due_date": item.due_date, "stage_id": item.stage_id, "rank": item.rank,
        "version": item.version, "committed_at": item.committed_at,
        "delivered_at": item.delivered_at, "discarded_at": item.discarded_at, "updated_at": now,
        "customer_id": item.customer_id, "failure_kind": item.failure_kind,
        "stems_from_id": item.stems_from_id,
    })


def set_assignees(conn: Connection, item_id: int, add: Mapping[str, int | None],
                  remove: list[str]) -> None:
    """Remove assignees by name; add them by name with their account's id (None: a name kept
    from imported history, not an account)."""
    for person in remove:
        conn.execute(_DELETE_ASSIGNEE, {"b_item": item_id, "b_person": person})
    for person, user_id in add.items():
        conn.execute(_INSERT_ASSIGNEE, {"item_id": item_id, "person": person,
                                        "user_id": user_id})


def stage_neighbours(conn: Connection, stage_id: int, item_id: int,
                     before_id: int | None) -> tuple[int | None, int | None]:
    """Ranks of the cards either side of the slot in front of `before_id` (or the bottom)."""
    params = {"b_stage": stage_id, "b_item": item_id}
    if before_id is None:
        prev = conn.execute(_LAST_RANK, params).scalar()
        return (None if prev is None else int(prev)), None
    nxt = conn.execute(_RANK_OF, {"b_before": before_id}).scalar_one()
    prev = conn.execute(_LAST_RANK_BELOW, {**params, "b_rank": nxt}).scalar()
    return (None if prev is None else int(prev)), int(nxt)


def last_rank_in_stage(conn: Connection, stage_id: int) -> int | None:
    """The rank of the bottom card of a stage, or None when it is empty."""
    rank = conn.execute(_LAST_RANK_IN_STAGE, {"b_stage": stage_id}).scalar()
    return None if rank is None else int(rank)


def stage_order(conn: Connection, stage_id: int, item_id: int) -> list[tuple[int, int]]:
    rows = conn.execute(
        select(items.c.id, items.c.rank)
        .where(and_(items.c.stage_id == stage_id, items.c.id != item_id))
        .order_by(items.c.rank, items.c.id)
    ).all()
    return [(int(r.id), int(r.rank)) for r in rows]


def write_ranks(conn: Connection, ranks: list[tuple[int, int]]) -> None:
    for item_id, rank in ranks:
        conn.execute(update(items).where(items.c.id == item_id).values(rank=rank))


# --- WIP counts -----------------------------------------------------------------------------

def wip_counts(conn: Connection, service: Service, stage_ids: set[int], *,
               classes: bool, persons: list[str]) -> WipCounts:
    """Only the counts a decision needs: one grouped query per kind of limit."""
    by_stage: dict[int, int] = {}
    if stage_ids:
        for sid, n in conn.execute(_COUNT_BY_STAGE, {"b_stages": sorted(stage_ids)}):
            by_stage[int(sid)] = int(n)
    committed_ids = [s.id for s in service.stages_in(Phase.COMMITTED)]
    by_class: dict[ClassOfService, int] = {}
    if classes:
        for cos, n in conn.execute(_COUNT_BY_CLASS, {"b_stages": committed_ids}):
            by_class[ClassOfService(cos)] = int(n)
    by_person: dict[str, int] = {}
    if persons:
        for person, n in conn.execute(
            _COUNT_BY_PERSON, {"b_stages": committed_ids, "b_persons": list(persons)}
        ):
            by_person[str(person)] = int(n)
    return WipCounts(by_stage=by_stage, by_class=by_class, by_person=by_person)


# --- blockers -------------------------------------------------------------------------------

def open_blocker(conn: Connection, item_id: int, blocker: Blocker, actor: str) -> None:
    conn.execute(_INSERT_BLOCKER, {
        "item_id": item_id, "reason": blocker.reason, "category": blocker.category,
        "started_at": blocker.started_at, "started_by": actor,
    })


def close_blocker(conn: Connection, item_id: int, ended_at: datetime, actor: str) -> None:
    conn.execute(_CLOSE_BLOCKER, {"b_item": item_id, "ended_at": ended_at, "ended_by": actor})


# --- the event log --------------------------------------------------------------------------

def append_event(conn: Connection, *, service_id: int, item_id: int | None, kind: str,
                 at: datetime, actor: str, from_stage_id: int | None = None,
                 to_stage_id: int | None = None, reason: str | None = None,
                 payload: dict[str, Any] | None = None,
                 workflow_token: str | None = None) -> int:
    """Append one event. The log is never updated or deleted.

    `workflow_token`: the service's workflow the write read. On PostgreSQL, where a move
    locks no service row, the event is written only if it is still current, else
    `WorkflowChanged` is raised. A workflow change locks every stage of the service `FOR
    UPDATE`: a move that changes an item's stage waits for it at the item's foreign-key check
    and, in this next statement, sees the change committed (SQLite needs no check: its writes
    run one at a time, each reading the workflow inside its transaction)."""
    params = {
        "service_id": service_id, "item_id": item_id, "kind": kind,
        "from_stage_id": from_stage_id, "to_stage_id": to_stage_id, "at": at, "actor": actor,
        "reason": reason, "payload": payload or {},
    }
    if conn.dialect.name == "postgresql":
        # Bound names unlike any column: the UPDATE would take a column's name as a value.
        numbered = {f"e_{name}": value for name, value in params.items()}
        numbered["b_counter"] = service_id
        if workflow_token is None:
            event_id = int(hot.execute(conn, _INSERT_NUMBERED_EVENT, numbered).scalar_one())
        else:
            numbered["b_token"] = workflow_token
            found = hot.execute(conn, _INSERT_NUMBERED_EVENT_IF_CURRENT, numbered).scalar()
            if found is None:
                raise WorkflowChanged
            event_id = int(found)
    else:
        event_id = inserted_id(conn.execute(_INSERT_EVENT, params))
    written = conn.info.get("flowdesk_written")
    if written is not None:
        written.append(Written(event_id, service_id, item_id, kind))
    return event_id
