"""Writes of a service's rules (`services.admin`): the service with its stages and class
policies, WIP limits, policies, stage groups, blocker categories."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from flowdesk.domain.classes import ClassPolicy
from flowdesk.domain.workflow import StageSpec
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import (
    class_policies,
    event_counters,
    services,
    stage_group_members,
    stage_groups,
    stages,
)


def key_taken(conn: Connection, key: str) -> bool:
    return conn.execute(select(services.c.id).where(services.c.key == key)).first() is not None


def insert_service(conn: Connection, *, key: str, name: str, description: str,
                   person_wip_limit: int | None, blocker_categories: list[str],
                   timezone: str, now: datetime) -> int:
    """A new service (with its event counter, and no stages yet); its id."""
    service_id = repo.inserted_id(conn.execute(insert(services).values(
        key=key, name=name, description=description, next_number=1,
        workflow_token=uuid.uuid4().hex,
        person_wip_limit=person_wip_limit, blocker_categories=blocker_categories,
        created_at=now, timezone=timezone,
    )))
    conn.execute(insert(event_counters).values(service_id=service_id, last_seq=0))
    return service_id


def insert_stage(conn: Connection, service_id: int, position: int, spec: StageSpec) -> None:
    conn.execute(insert(stages).values(
        service_id=service_id, name=spec.name.strip(), phase=spec.phase.value,
        kind=spec.kind.value, position=position, wip_limit=spec.wip_limit,
        policy=spec.policy,
    ))


def insert_class_policy(conn: Connection, service_id: int, policy: ClassPolicy) -> None:
    conn.execute(insert(class_policies).values(
        service_id=service_id, cos=policy.cos.value, wip_limit=policy.wip_limit,
        may_exceed_stage_limits=policy.may_exceed_stage_limits,
        requires_due_date=policy.requires_due_date, policy=policy.policy,
    ))


def update_class_policy(conn: Connection, service_id: int, policy: ClassPolicy) -> None:
    conn.execute(update(class_policies).where(
        class_policies.c.service_id == service_id, class_policies.c.cos == policy.cos.value,
    ).values(
        wip_limit=policy.wip_limit, may_exceed_stage_limits=policy.may_exceed_stage_limits,
        requires_due_date=policy.requires_due_date, policy=policy.policy,
    ))


def set_stage_limit(conn: Connection, stage_id: int, limit: int | None) -> None:
    conn.execute(update(stages).where(stages.c.id == stage_id).values(wip_limit=limit))


def set_stage_policy(conn: Connection, stage_id: int, policy: str) -> None:
    conn.execute(update(stages).where(stages.c.id == stage_id).values(policy=policy))


def set_person_limit(conn: Connection, service_id: int, limit: int | None) -> None:
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(person_wip_limit=limit))


def set_blocker_categories(conn: Connection, service_id: int, names: list[str]) -> None:
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(blocker_categories=names))


def insert_stage_group(conn: Connection, service_id: int, name: str, limit: int | None,
                       stage_ids: list[int]) -> int:
    """A stage group (CONWIP) over these stages; its id."""
    group_id = repo.inserted_id(conn.execute(insert(stage_groups).values(
        service_id=service_id, name=name, wip_limit=limit,
    )))
    for stage_id in stage_ids:
        conn.execute(insert(stage_group_members).values(group_id=group_id, stage_id=stage_id))
    return group_id
