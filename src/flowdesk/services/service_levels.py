"""A service's configured service level targets: read them, and set them (the Service
Delivery Manager's, `Action.SERVICE_LEVELS`). Every change is an event in the service's log.

Attainment is measured against these targets, or against an item's customer agreement
where it arrived under one (`flowdesk.services.promises`), never against the period's own
percentile.
"""

from __future__ import annotations

from typing import Any

from flowdesk.domain.clock import Clock
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.service_levels import ServiceLevelTarget, parse_service_levels
from flowdesk.services.queries import readable_service_id
from flowdesk.storage import repository as repo
from flowdesk.storage import service_levels as store
from flowdesk.storage.unit_of_work import UnitOfWork


def target_json(target: ServiceLevelTarget) -> dict[str, Any]:
    return {"class_of_service": None if target.cos is None else target.cos.value,
            "percentile": target.percentile, "days": target.days, "text": str(target)}


def get_targets(uow: UnitOfWork, actor: Actor, key: str) -> list[ServiceLevelTarget]:
    with uow.read() as conn:
        return store.targets_of(conn, readable_service_id(conn, actor, key))


def set_targets(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                body: object) -> list[ServiceLevelTarget]:
    """Replace the service's targets with the ones in `body` (`parse_service_levels`); a
    bad one refuses the whole change, naming its field."""
    targets = parse_service_levels(body)
    with uow.write() as conn:
        service_id = readable_service_id(conn, actor, key)
        authorize(actor, Action.SERVICE_LEVELS, service_id, hidden=repo.no_service(key))
        old = store.targets_of(conn, service_id)
        store.replace_targets(conn, service_id, targets)
        repo.append_event(
            conn, service_id=service_id, item_id=None, kind="service_levels_changed",
            at=clock.now(), actor=actor.username,
            payload={"from": [target_json(t) for t in old],
                     "to": [target_json(t) for t in targets]})
        return store.targets_of(conn, service_id)
