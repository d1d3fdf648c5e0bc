"""Moves racing a workflow change, on both databases: an item never ends up in a retired
stage, and a retirement never passes while an item moves in."""

from __future__ import annotations

from sqlalchemy import Engine, select
from storage_helpers import MEMBER, OWNER, make_claims, run_together, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import Conflict
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Service
from flowdesk.domain.workflow_change import StageDraft, StagesHoldItems
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.services.workflow_design import ChangeWorkflow, change_workflow
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import items, stages
from flowdesk.storage.unit_of_work import UnitOfWork


def drafts(service: Service, retire: str | None = None) -> list[StageDraft]:
    return [StageDraft(s.id, s.name, s.phase, s.kind, s.wip_limit, s.policy,
                       retired=s.name == retire) for s in service.all_stages()]


def items_in_retired_stages(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(k) for k in conn.execute(
            select(items.c.key).join(stages, stages.c.id == items.c.stage_id)
            .where(stages.c.retired_at.is_not(None))).scalars()]


def current(uow: UnitOfWork, service_id: int) -> Service:
    with uow.read() as conn:
        return repo.load_service(conn, service_id)


def test_a_move_racing_a_retirement_never_leaves_an_item_in_the_retired_stage(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    ready = stage_id(service, "Ready")
    options = stage_id(service, "Options")
    retired_rounds = moved_rounds = 0
    for round_no in range(10):
        keys = [uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {round_no}.{n}")).key
                for n in range(3)]
        before = current(uow, service.id)
        outcomes = run_together(4, lambda i, ks=keys, s=before: change_workflow(
            uow, clock, OWNER, ChangeWorkflow("CLM", drafts(s, retire="Ready"))) if i == 0
            else uc.move_item(uow, clock, MEMBER, MoveItem(ks[i - 1], ready)))
        retirement, moves = outcomes[0], outcomes[1:]
        assert items_in_retired_stages(engine) == [], (round_no, outcomes)
        if isinstance(retirement, Service):
            retired_rounds += 1
            # Every move came too late, and was told why.
            assert all(isinstance(m, Conflict) and "retired" in m.message for m in moves), moves
            # Brought back (every stage sent, none retired) for the next round.
            change_workflow(uow, clock, OWNER, ChangeWorkflow(
                "CLM", drafts(current(uow, service.id))))
        else:
            moved_rounds += 1
            assert isinstance(retirement, StagesHoldItems), retirement
            landed = [m for m in moves if isinstance(m, WorkItem)]
            assert landed and all(m.stage_id == ready for m in landed)
            # Refused because of a move that came first, named (later ones land after it).
            assert any(m.key in retirement.message for m in landed)
            for m in landed:
                uc.move_item(uow, clock, MEMBER, MoveItem(m.key, options))
        assert [s.name for s in current(uow, service.id).stages][:2] == ["Options", "Ready"]
    assert retired_rounds + moved_rounds == 10
