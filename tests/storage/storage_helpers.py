"""Helpers for storage tests: a claims service made through the use cases, and threads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from cast import ADMIN, CAST, OPERATOR, enrol, enrol_owner
from flowdesk.domain.clock import Clock
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Service, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.tables import metadata
from flowdesk.storage.unit_of_work import UnitOfWork
from threads import run_together  # noqa: F401 - re-exported for the tests here

OWNER = OPERATOR  # the use cases, called as the local operator
MEMBER = Actor("amira", "Amira, a team member", operator=True)



def claims_workflow(doing_limit: int | None = 5) -> list[StageSpec]:
    return [
        StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("In progress", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=doing_limit),
        StageSpec("Review", Phase.COMMITTED, StageKind.QUEUE),
        StageSpec("Done", Phase.DONE, StageKind.QUEUE),
        StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
    ]


# Events `make_claims` writes: the service created, then each member of the cast added.
SETUP_EVENTS = 1 + len(CAST)


def make_claims(uow: UnitOfWork, clock: Clock, doing_limit: int | None = 5,
                key: str = "CLM") -> Service:
    """The claims service, with the cast as its team members (they can be assigned work)."""
    service = admin.create_service(uow, clock, OWNER, CreateService(
        key=key, name="Priority claims", stages=claims_workflow(doing_limit),
        deliver_from_any_stage=True))  # the tests move work straight into Done
    enrol(uow, clock, key, [name for name in CAST if name != ADMIN])
    enrol_owner(uow, clock, key)
    return service


def stage_id(service: Service, name: str) -> int:
    return next(s.id for s in service.stages if s.name == name)




def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for before-and-after comparisons."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(str(v) for v in row) for row in conn.execute(
                select(table))), key=repr)
            for table in metadata.sorted_tables
        }
