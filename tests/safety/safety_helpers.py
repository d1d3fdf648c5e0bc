"""Helpers for the safety tests: a service with no service-wide limit, threads released at once,
counts read straight from the tables, and the source folder a subprocess must import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

import flowdesk
from cast import ADMIN, CAST, OPERATOR, enrol, enrol_owner
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import Clock
from flowdesk.domain.workflow import Phase, Service, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.tables import items
from flowdesk.storage.unit_of_work import UnitOfWork
from threads import run_together  # noqa: F401 - re-exported for the tests here

# The `flowdesk` package these tests import: a subprocess must import the same one (the
# mutation checks run the tests against a mutated copy of `src/`).
SOURCE_ROOT = str(Path(flowdesk.__file__).resolve().parents[1])


def claims_workflow(doing_limit: int | None) -> list[StageSpec]:
    return [
        StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("In progress", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=doing_limit),
        StageSpec("Review", Phase.COMMITTED, StageKind.QUEUE),
        StageSpec("Done", Phase.DONE, StageKind.QUEUE),
        StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
    ]


def open_claims(uow: UnitOfWork, clock: Clock, doing_limit: int | None,
                key: str = "CLM") -> Service:
    """A claims service whose only limit is the one on "In progress": the expedite class's
    default limit is lifted, and there are no stage groups and no personal limits, so no pull
    takes the service lock on PostgreSQL."""
    admin.create_service(uow, clock, OPERATOR, CreateService(
        key=key, name="Priority claims", stages=claims_workflow(doing_limit),
        deliver_from_any_stage=True))  # the tests move work straight into Done
    enrol(uow, clock, key, [name for name in CAST if name != ADMIN])
    enrol_owner(uow, clock, key)
    service = admin.set_class_policy(uow, clock, OPERATOR, key, ClassOfService.EXPEDITE,
                                     {"wip_limit": None})
    assert not service.groups and service.person_wip_limit is None
    assert all(p.wip_limit is None for p in service.classes.values())
    return service


def stage_id(service: Service, name: str) -> int:
    return next(s.id for s in service.stages if s.name == name)




def count_in(engine: Engine, stage_ids: list[int]) -> int:
    """Items in these stages now."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)
                                .where(items.c.stage_id.in_(stage_ids))).scalar_one())
