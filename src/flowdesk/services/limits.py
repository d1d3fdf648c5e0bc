"""Changing a stage group's (CONWIP) limit: the Service Delivery Manager's, an event like every
rule change. (Stage, class and personal limits are in `services.admin`.)"""

from __future__ import annotations

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Service
from flowdesk.storage import repository as repo
from flowdesk.storage import rules
from flowdesk.storage.unit_of_work import UnitOfWork


def set_group_limit(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                    group_id: int, limit: int | None) -> Service:
    """Set the shared limit of one of the service's stage groups (None: no limit)."""
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1, or null for no limit", "limit")
    hidden = repo.no_service(service_key)
    with uow.write() as conn:
        try:
            service_id = repo.service_id_for_key(conn, service_key)
        except NotFound:
            raise hidden from None
        authorize(actor, Action.READ, service_id, hidden=hidden)
        authorize(actor, Action.STAGE_GROUPS, service_id)
        service = repo.load_service(conn, service_id, lock=uow.locks_rows)
        group = next((g for g in service.groups if g.id == group_id), None)
        if group is None:
            raise NotFound(f"service {service.key} has no stage group {group_id}",
                           field="group")
        rules.set_group_limit(conn, group.id, limit)
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="limit_changed", at=clock.now(),
            actor=actor.username,
            payload={"scope": "stage_group", "group": group.name, "old": group.wip_limit,
                     "new": limit},
        )
        return repo.load_service(conn, service.id)
