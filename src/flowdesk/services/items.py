"""Use cases on work items: create, move, edit, block, unblock, assign, unassign."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    LimitViolation,
    NotFound,
    WipLimitExceeded,
)
from flowdesk.domain.items import (
    DESCRIPTION_MAX,
    SHORT_TEXT_MAX,
    TITLE_MAX,
    Transition,
    WorkItem,
    apply_move,
    check_class_rules,
    check_due_date,
    check_no_nul,
    check_text,
    classify_move,
    end_blocker,
    new_blocker,
    require_reason,
)
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize, move_action
from flowdesk.domain.ranks import bottom_rank, rank_between, spread
from flowdesk.domain.wip import (
    PersonalLoad,
    check_arrival,
    check_assign,
    check_move,
    check_personal,
)
from flowdesk.domain.workflow import Phase, Service, Stage
from flowdesk.services import agreements
from flowdesk.services.commands import (
    AssignItem,
    BlockItem,
    CreateItem,
    EscalateItem,
    MoveItem,
    UpdateItem,
)
from flowdesk.storage import accounts, idempotency
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

EDITABLE = ("title", "description", "type", "cos", "customer", "due_date")


def create_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: CreateItem) -> WorkItem:
    """Put a new item upstream. A repeated idempotency key returns the first item."""
    return create_item_once(uow, clock, actor, cmd)[0]


def create_item_once(uow: UnitOfWork, clock: Clock, actor: Actor,
                     cmd: CreateItem) -> tuple[WorkItem, bool]:
    """`create_item`, also saying whether the item was made before (True: a replay).

    A key sent again with the same request replays the first answer; with a different request
    it is refused, because the client is confusing two requests."""
    title = check_text(cmd.title, "title", TITLE_MAX, required=True)
    description = check_text(cmd.description, "description", DESCRIPTION_MAX)
    item_type = check_text(cmd.type, "type", 40, required=True)
    customer = check_text(cmd.customer, "customer", SHORT_TEXT_MAX)
    check_due_date(cmd.due_date)
    assignees = tuple(sorted({check_text(p, "assignees", 80, required=True)
                              for p in cmd.assignees}))
    if cmd.idempotency_key:
        check_no_nul(cmd.idempotency_key, "Idempotency-Key")
    with uow.write() as conn:
        hidden = repo.no_service(cmd.service_key)
        try:
            service_id = repo.service_id_for_key(conn, cmd.service_key)
        except NotFound:
            raise hidden from None
        authorize(actor, Action.READ, service_id, hidden=hidden)
        authorize(actor, Action.CREATE_ITEM, service_id)
        if assignees:  # naming assignees assigns them
            try:
                authorize(actor, Action.ASSIGN_ITEM, service_id)
            except Forbidden as exc:
                raise Forbidden(exc.message, "assignees") from None
        # Lock the service first: it orders concurrent creates (numbers, idempotency keys).
        service = repo.load_service(conn, service_id, lock=uow.locks_rows)
        if cmd.idempotency_key:
            first = idempotency.find_key(conn, service_id, cmd.idempotency_key)
            if first is not None:
                if first.body_hash != request_hash(cmd):
                    raise InvalidInput("this Idempotency-Key was already used for a different "
                                       "request; use a new key", "Idempotency-Key")
                return repo.load_item(conn, first.item_id), True
        check_class_rules(service.class_policy(cmd.cos), cmd.due_date)
        user_ids = {name: user.id for name, user in
                    _members(conn, service, assignees, clock.now(), "assignees").items()}
        stage = _arrival_stage(service, cmd.stage_id)
        counted = _stages_to_count(service, stage)
        if counted and uow.locks_rows:
            repo.lock_stage(conn, stage.id)  # as a move into it would: the count stays exact
        now = clock.now()
        number = repo.next_item_number(conn, service_id)  # a refusal rolls it back
        # The registry customer it names, and what the agreement that applies promises.
        arrived = agreements.arrival(conn, service_id, customer, cmd.cos, now)
        entitled = arrived.entitlement
        item = WorkItem(
            id=0, service_id=service_id, key=f"{service.key}-{number}", title=title,
            description=description, type=item_type, cos=cmd.cos, customer=customer,
            due_date=cmd.due_date, assignees=assignees, stage_id=stage.id,
            rank=bottom_rank(repo.last_rank_in_stage(conn, stage.id)), version=1, arrived_at=now,
            customer_id=arrived.customer_id,
            due_at=None if entitled is None else entitled.due_at,
            entitlement="" if entitled is None else entitled.text,
            agreement_id=None if entitled is None else entitled.agreement_id,
            agreement_version=None if entitled is None else entitled.agreement_version,
        )
        counts = repo.wip_counts(conn, service, counted, classes=False, persons=[])
        violations = check_arrival(service, item, stage, counts)
        override = _override(violations, cmd.override_reason)
        item = replace(item, id=repo.insert_item(conn, item, number, now, user_ids=user_ids))
        repo.append_event(
            conn, service_id=service_id, item_id=item.id, kind="created", at=now,
            actor=actor.username, to_stage_id=stage.id, payload=item_snapshot(item),
        )
        if override is not None:
            repo.append_event(
                conn, service_id=service_id, item_id=item.id, kind="wip_override", at=now,
                actor=actor.username, to_stage_id=stage.id, reason=override,
                payload={"violations": [v.as_dict() for v in violations]},
            )
        if cmd.idempotency_key:
            idempotency.record_key(conn, service_id, cmd.idempotency_key, item.id,
                                   request_hash(cmd), now)
        return item, False


def request_hash(cmd: CreateItem) -> str:
    """A fingerprint of what a creation asks for (all but the key itself), to match replays."""
    asked = {k: v for k, v in asdict(cmd).items() if k != "idempotency_key"}
    asked["service_key"] = cmd.service_key.upper()
    text = json.dumps(asked, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _arrival_stage(service: Service, stage_id: int | None) -> Stage:
    if stage_id is None:
        return service.first_stage(Phase.UPSTREAM)
    stage = service.named_stage(stage_id, "stage_id")
    if stage.phase is not Phase.UPSTREAM:
        raise InvalidInput("new work starts upstream, before the commitment point", "stage_id")
    return stage


def move_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: MoveItem) -> WorkItem:
    """Pull, move, deliver, discard, reopen or reorder, with WIP limits enforced atomically.

    Returns the item after the move."""
    return move_item_in_service(uow, clock, actor, cmd)[0]


def move_item_in_service(uow: UnitOfWork, clock: Clock, actor: Actor,
                         cmd: MoveItem) -> tuple[WorkItem, Service]:
    """`move_item`, also returning the service it loaded, so a caller can show the item's stage
    without reading the service again (the move is the hottest write)."""
    for _ in range(MOVE_ATTEMPTS - 1):
        try:
            return _move(uow, clock, actor, cmd)
        except _MovedMeanwhile:
            continue  # someone moved it while we queued for its locks: look again
    try:
        return _move(uow, clock, actor, cmd)
    except _MovedMeanwhile:
        raise Conflict(f"{cmd.item_key} is being moved by others; try again", "item") from None


MOVE_ATTEMPTS = 3


class _MovedMeanwhile(Exception):
    """The item changed stage while a move without a version waited for its locks."""


def _move(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: MoveItem) -> tuple[WorkItem, Service]:
    with uow.write() as conn:
        item, service, bottom = _load_for_move(uow, conn, actor, cmd)
        from_stage = service.stage(item.stage_id)
        to_stage = service.named_stage(cmd.to_stage, "to_stage")
        transition = classify_move(from_stage, to_stage)
        authorize(actor, move_action(from_stage, to_stage, transition), service.id)
        item.check_version(cmd.expected_version)
        reason = _move_reason(transition, cmd.reason)
        if transition is Transition.DELIVER:
            _check_delivery(service, item, from_stage)
        # Count only what a limit in play needs: most moves touch no limit at all.
        entering = to_stage.phase is Phase.COMMITTED and from_stage.phase is not Phase.COMMITTED
        counts = repo.wip_counts(
            conn, service, _stages_to_count(service, to_stage),
            classes=entering and service.class_policy(item.cos).wip_limit is not None,
            persons=list(item.assignees) if entering and service.person_wip_limit else [],
        )
        violations = check_move(service, item, from_stage, to_stage, counts)
        if entering and item.assignees:
            violations += check_personal(_personal_loads(
                uow, conn, accounts.assignee_accounts(conn, item.id, limited=True)))
        now = clock.now()
        override = _override(violations, cmd.override_reason)
        rank = _rank_for(conn, item, to_stage.id, cmd.before, bottom)
        moved = apply_move(item, to_stage, transition, now, rank)
        repo.save_item(conn, moved, now)
        if override is not None:
            repo.append_event(
                conn, service_id=service.id, item_id=item.id, kind="wip_override", at=now,
                actor=actor.username, from_stage_id=from_stage.id, to_stage_id=to_stage.id,
                reason=override, payload={"violations": [v.as_dict() for v in violations]},
            )
        if transition is Transition.DISCARD and item.is_blocked:
            _unblock(conn, service, item, now, actor, "discarded while blocked")
            moved = replace(moved, blocker=None)
        kind = "reordered" if transition is Transition.REORDER else "moved"
        try:
            repo.append_event(
                conn, service_id=service.id, item_id=item.id, kind=kind, at=now,
                actor=actor.username, from_stage_id=from_stage.id, to_stage_id=to_stage.id,
                reason=reason, payload={"transition": transition.value,
                                        "version": moved.version},
                workflow_token=service.workflow_token if uow.locks_rows else None,
            )
        except repo.WorkflowChanged:
            # The workflow changed while the move waited (a stage retired, renamed, moved
            # to another phase): decide again on the new one, which may refuse it.
            raise _MovedMeanwhile from None
        return moved, service


def _check_delivery(service: Service, item: WorkItem, from_stage: Stage) -> None:
    """Delivery is one move into done: refused for blocked work, and from any stage but the
    last committed one unless the service allows it (so nothing skips an approval)."""
    if item.is_blocked:
        raise Conflict(f"{item.key} is blocked; unblock it before delivering", "to_stage")
    if not service.may_deliver_from(from_stage):
        last = service.delivery_stage()
        where = f"'{last.name}'" if last is not None else "the last committed stage"
        raise Conflict(f"{item.key} is in '{from_stage.name}': work is delivered only from "
                       f"{where}, the last committed stage; move it there first (the "
                       "service's policy)", "to_stage")


def _load_for_move(uow: UnitOfWork, conn: Connection, actor: Actor,
                   cmd: MoveItem) -> tuple[WorkItem, Service, repo.Bottom | None]:
    """Load the item and its service, taking PostgreSQL row locks in one fixed order; on
    PostgreSQL also the bottom of the target stage, read with the item's lock (None: unread).

    Order: service (only when a service-wide limit is in play), then the target stage (only
    when a limit covers it), then the item, then the users whose personal limits count (by
    id), and last the event counter (`tables`). Every write
    takes them in this order, so concurrent moves queue instead of deadlocking, and moves that
    no limit concerns queue only for the moment their event is numbered.
    """
    if not uow.locks_rows:  # SQLite: BEGIN IMMEDIATE already holds the write lock
        item = repo.load_item_by_key(conn, cmd.item_key)
        _check_member(actor, item.service_id, cmd.item_key)
        return item, repo.load_service(conn, item.service_id), None
    ref, service = repo.item_ref_and_service(conn, cmd.item_key)
    _check_member(actor, service.id, cmd.item_key)
    to_stage = service.named_stage(cmd.to_stage, "to_stage")
    from_stage = service.stage(ref.stage_id)
    entering = to_stage.phase is Phase.COMMITTED and from_stage.phase is not Phase.COMMITTED
    # The item's class is not known before its row is locked: any class limit counts here.
    service_wide = any(g.wip_limit is not None for g in service.groups) or (entering and (
        any(p.wip_limit is not None for p in service.classes.values())
        or service.person_wip_limit is not None
    ))
    if service_wide:
        service = repo.load_service(conn, service.id, lock=True)
    if _stages_to_count(service, to_stage):
        repo.lock_stage(conn, to_stage.id)
    item, bottom = repo.load_item_for_move(conn, ref.id, to_stage.id)
    if item.stage_id != ref.stage_id and cmd.expected_version is None:
        # The locks were chosen for the stage it was in; the caller asked for no version, so
        # it is not stale: start again from where it is now.
        raise _MovedMeanwhile
    return item, service, bottom


def _load(uow: UnitOfWork, conn: Connection, actor: Actor, item_key: str, action: Action, *,
          lock_service: bool = False) -> tuple[WorkItem, Service]:
    """The item and its service for a write other than a move, once the actor may take
    `action` on it (a non-member is told there is no such item). On PostgreSQL the item row is
    locked, after the service row when `lock_service` (the write counts a service-wide limit).
    """
    if not uow.locks_rows:  # SQLite: BEGIN IMMEDIATE already holds the write lock
        item = repo.load_item_by_key(conn, item_key)
        _check_member(actor, item.service_id, item_key)
        authorize(actor, action, item.service_id)
        return item, repo.load_service(conn, item.service_id)
    if lock_service:
        ref = repo.item_ref_for_key(conn, item_key)
        _check_member(actor, ref.service_id, item_key)
        authorize(actor, action, ref.service_id)
        service = repo.load_service(conn, ref.service_id, lock=True)
    else:
        ref, service = repo.item_ref_and_service(conn, item_key)
        _check_member(actor, service.id, item_key)
        authorize(actor, action, service.id)
    return repo.load_item(conn, ref.id, lock=True), service


def _check_member(actor: Actor, service_id: int, item_key: str) -> None:
    """A non-member of the item's service is told the item does not exist."""
    authorize(actor, Action.READ, service_id, hidden=repo.no_item(item_key))


def _members(conn: Connection, service: Service, usernames: tuple[str, ...] | list[str],
             now: datetime, field: str) -> dict[str, accounts.UserRow]:
    """The accounts of these people, each a current member of the service; refuses anyone
    else, naming them (an id from the request body is checked like any other)."""
    found = accounts.members_named(conn, service.id, list(usernames), now)
    for name in usernames:
        if name not in found:
            raise InvalidInput(f"{name} is not a member of {service.key}", field)
    return found


def _personal_loads(uow: UnitOfWork, conn: Connection,
                    users: list[accounts.UserRow]) -> list[PersonalLoad]:
    """The committed work of each of these people who has a personal limit, across services.
    On PostgreSQL their rows are locked first (after the item: see `_load_for_move`), so two
    assignments of one person in two services cannot both pass on the same count."""
    limited = [u for u in users if u.wip_limit is not None]
    if not limited:
        return []
    if uow.locks_rows:
        accounts.lock_users(conn, [u.id for u in limited])
    return [PersonalLoad(u.username, int(u.wip_limit or 0), accounts.committed_work(conn, u.id))
            for u in limited]


def _stages_to_count(service: Service, to_stage: Stage) -> set[int]:
    """The stages whose counts the move's limits need: none when no limit covers the target."""
    ids = {to_stage.id} if to_stage.wip_limit is not None else set()
    for group in service.groups_containing(to_stage.id):
        if group.wip_limit is not None:
            ids |= group.stage_ids
    return ids


def _move_reason(transition: Transition, reason: str | None) -> str | None:
    if transition is Transition.DISCARD:
        return require_reason(reason, "reason", "discarding an item")
    if reason is None or not reason.strip():
        return None
    return require_reason(reason, "reason", "a move")


def _override(violations: list[LimitViolation], override_reason: str | None) -> str | None:
    """Refuse the move, or return the reason the limits are knowingly exceeded."""
    if not violations:
        return None
    if override_reason is None or not override_reason.strip():
        raise WipLimitExceeded(violations)
    return require_reason(override_reason, "override_reason", "a WIP override")


def _rank_for(conn: Connection, item: WorkItem, stage_id: int, before: str | None,
              bottom: repo.Bottom | None = None) -> int:
    """The item's rank in the stage: in front of `before`, else at the bottom (`bottom`, when
    the caller has read it already)."""
    if before is None and bottom is not None:
        rank = rank_between(bottom.rank, None)
        assert rank is not None  # below the bottom card there is always room
        return rank
    before_id: int | None = None
    if before:
        target = repo.find_item_ref(conn, before)
        if target is None or target.stage_id != stage_id or target.id == item.id:
            raise InvalidInput(f"{before} is not another card in that stage", "before")
        before_id = target.id
    prev, nxt = repo.stage_neighbours(conn, stage_id, item.id, before_id)
    rank = rank_between(prev, nxt)
    if rank is not None:
        return rank
    # The gap closed: respace the whole stage in this same transaction, then place again.
    order = repo.stage_order(conn, stage_id, item.id)
    repo.write_ranks(conn, list(zip([i for i, _ in order], spread(len(order)), strict=True)))
    prev, nxt = repo.stage_neighbours(conn, stage_id, item.id, before_id)
    rank = rank_between(prev, nxt)
    assert rank is not None
    return rank


def update_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: UpdateItem) -> WorkItem:
    """Edit fields. Only what changed is recorded, old and new."""
    unknown = sorted(set(cmd.changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(f"{unknown[0]} cannot be edited", field=unknown[0])
    with uow.write() as conn:
        # The service lock keeps a class limit's count exact while the class changes.
        item, service = _load(uow, conn, actor, cmd.item_key, Action.EDIT_ITEM,
                              lock_service="cos" in cmd.changes)
        item.check_version(cmd.expected_version)
        edited = _apply_changes(item, cmd.changes)
        changes = {
            name: [_plain(getattr(item, name)), _plain(getattr(edited, name))]
            for name in EDITABLE if getattr(item, name) != getattr(edited, name)
        }
        if not changes:
            return item
        if "cos" in changes or "due_date" in changes:
            # Only then: an item made before its class needed a date stays editable.
            check_class_rules(service.class_policy(edited.cos), edited.due_date)
        now = clock.now()
        stage = service.stage(item.stage_id)
        violations: list[LimitViolation] = []
        if "cos" in changes and stage.phase is Phase.COMMITTED:
            policy = service.class_policy(edited.cos)
            count = repo.wip_counts(conn, service, set(), classes=True, persons=[]).by_class
            n = count.get(edited.cos, 0)
            if policy.wip_limit is not None and n >= policy.wip_limit:
                violations.append(LimitViolation(
                    "class_of_service", edited.cos.label, policy.wip_limit, n,
                    f"{edited.cos.label} items in the committed phase of {service.name}",
                ))
        override = _override(violations, cmd.override_reason)
        edited = replace(edited, version=item.version + 1)
        if "customer" in changes:  # the registry entry the new text names, if any
            found = agreement_store.find_customer(conn, edited.customer)
            edited = replace(edited, customer_id=None if found is None else found.id)
        repo.save_item(conn, edited, now)
        if override is not None:
            repo.append_event(
                conn, service_id=service.id, item_id=item.id, kind="wip_override", at=now,
                actor=actor.username, reason=override,
                payload={"violations": [v.as_dict() for v in violations]},
            )
        repo.append_event(
            conn, service_id=service.id, item_id=item.id, kind="edited", at=now,
            actor=actor.username, payload={"changes": changes, "version": edited.version},
        )
        return edited


def _apply_changes(item: WorkItem, changes: dict[str, Any]) -> WorkItem:
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            values[name] = check_text(_str(value, name), name, TITLE_MAX, required=True)
        elif name == "description":
            values[name] = check_text(_str(value, name), name, DESCRIPTION_MAX)
        elif name == "type":
            values[name] = check_text(_str(value, name), name, 40, required=True)
        elif name == "customer":
            values[name] = check_text(_str(value, name), name, SHORT_TEXT_MAX)
        elif name == "cos":
            try:
                values[name] = ClassOfService(value)
            except ValueError:
                allowed = ", ".join(c.value for c in ClassOfService)
                raise InvalidInput(f"cos must be one of: {allowed}", field="cos") from None
        elif name == "due_date":
            if value is not None and not isinstance(value, date):
                raise InvalidInput("due_date must be a date (YYYY-MM-DD)", field="due_date")
            values[name] = check_due_date(value)
    return replace(item, **values)


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text", field=name)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ClassOfService):
        return value.value
    return value


def block_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: BlockItem) -> WorkItem:
    with uow.write() as conn:
        item, service = _load(uow, conn, actor, cmd.item_key, Action.BLOCK_ITEM)
        item.check_version(cmd.expected_version)
        now = clock.now()
        blocker = new_blocker(service, item, service.stage(item.stage_id), cmd.reason,
                              cmd.category, now, actor.username)
        blocked = replace(item, blocker=blocker, version=item.version + 1)
        repo.save_item(conn, blocked, now)
        repo.open_blocker(conn, item.id, blocker, actor.username)
        repo.append_event(
            conn, service_id=service.id, item_id=item.id, kind="blocked", at=now,
            actor=actor.username, from_stage_id=item.stage_id, to_stage_id=item.stage_id,
            reason=blocker.reason,
            payload={"category": blocker.category, "version": blocked.version},
        )
        return blocked


def unblock_item(uow: UnitOfWork, clock: Clock, actor: Actor, item_key: str,
                 expected_version: int | None = None) -> WorkItem:
    with uow.write() as conn:
        item, service = _load(uow, conn, actor, item_key, Action.READ)
        own = item.blocker is not None and item.blocker.started_by == actor.username
        authorize(actor, Action.UNBLOCK_OWN if own else Action.UNBLOCK_ANY, service.id)
        item.check_version(expected_version)
        now = clock.now()
        unblocked = replace(item, blocker=None, version=item.version + 1)
        repo.save_item(conn, unblocked, now)
        _unblock(conn, service, item, now, actor, None)
        return unblocked


def _unblock(conn: Connection, service: Service, item: WorkItem, now: datetime, actor: Actor,
             note: str | None) -> None:
    ended = end_blocker(item, now)
    repo.close_blocker(conn, item.id, now, actor.username)
    repo.append_event(
        conn, service_id=service.id, item_id=item.id, kind="unblocked", at=now,
        actor=actor.username, from_stage_id=item.stage_id, to_stage_id=item.stage_id,
        reason=note,
        payload={
            "category": ended.category,
            "blocked_reason": ended.reason,
            "blocked_seconds": (now - ended.started_at).total_seconds(),
        },
    )


def assign_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: AssignItem) -> WorkItem:
    person = check_text(cmd.person, "person", 80, required=True)
    with uow.write() as conn:
        item, service = _load(uow, conn, actor, cmd.item_key, Action.ASSIGN_ITEM,
                              lock_service=True)  # person limits
        item.check_version(cmd.expected_version)
        if person in item.assignees:
            raise Conflict(f"{person} is already assigned to {item.key}", field="person")
        now = clock.now()
        user = _members(conn, service, [person], now, "person")[person]
        stage = service.stage(item.stage_id)
        counts = repo.wip_counts(conn, service, set(), classes=False, persons=[person])
        violations = check_assign(service, stage, person, counts)
        if stage.phase is Phase.COMMITTED:
            violations += check_personal(_personal_loads(uow, conn, [user]))
        override = _override(violations, cmd.override_reason)
        assigned = replace(item, assignees=tuple(sorted({*item.assignees, person})),
                           version=item.version + 1)
        repo.save_item(conn, assigned, now)
        repo.set_assignees(conn, item.id, add={person: user.id}, remove=[])
        if override is not None:
            repo.append_event(
                conn, service_id=service.id, item_id=item.id, kind="wip_override", at=now,
                actor=actor.username, reason=override,
                payload={"violations": [v.as_dict() for v in violations]},
            )
        repo.append_event(
            conn, service_id=service.id, item_id=item.id, kind="assigned", at=now,
            actor=actor.username, payload={"person": person, "version": assigned.version},
        )
        return assigned


def unassign_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: AssignItem) -> WorkItem:
    with uow.write() as conn:
        item, _ = _load(uow, conn, actor, cmd.item_key, Action.ASSIGN_ITEM)
        item.check_version(cmd.expected_version)
        if cmd.person not in item.assignees:
            raise Conflict(f"{cmd.person} is not assigned to {item.key}", field="person")
        now = clock.now()
        unassigned = replace(item, assignees=tuple(p for p in item.assignees if p != cmd.person),
                             version=item.version + 1)
        repo.save_item(conn, unassigned, now)
        repo.set_assignees(conn, item.id, add={}, remove=[cmd.person])
        repo.append_event(
            conn, service_id=item.service_id, item_id=item.id, kind="unassigned", at=now,
            actor=actor.username, payload={"person": cmd.person, "version": unassigned.version},
        )
        return unassigned


def item_snapshot(item: WorkItem) -> dict[str, Any]:
    """The fields an item was created with, for the `created` event."""
    return {
        "key": item.key, "title": item.title, "type": item.type, "cos": item.cos.value,
        "customer": item.customer, "due_date": _plain(item.due_date),
        "assignees": list(item.assignees), "version": item.version,
        **({} if item.agreement_id is None else {
            "agreement": {"id": item.agreement_id, "version": item.agreement_version},
            "due_at": _plain(item.due_at), "entitlement": item.entitlement}),
    }


def escalate_item(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: EscalateItem) -> WorkItem:
    """The Flow Manager escalates a blocked item: recorded, with a note, for whoever can
    remove the blocker (and for the Risk Review)."""
    note = require_reason(cmd.note, "note", "an escalation")
    with uow.write() as conn:
        item, service = _load(uow, conn, actor, cmd.item_key, Action.ESCALATE)
        item.check_version(cmd.expected_version)
        if not item.is_blocked:
            raise Conflict(f"{item.key} is not blocked; only a blocker is escalated", "note")
        assert item.blocker is not None
        now = clock.now()
        escalated = replace(item, version=item.version + 1)
        repo.save_item(conn, escalated, now)
        repo.append_event(
            conn, service_id=service.id, item_id=item.id, kind="escalated", at=now,
            actor=actor.username, from_stage_id=item.stage_id, to_stage_id=item.stage_id,
            reason=note, payload={"category": item.blocker.category,
                                  "blocked_reason": item.blocker.reason,
                                  "version": escalated.version},
        )
        return escalated
