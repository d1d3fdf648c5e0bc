"""Moves racing an archive, on both databases: once a service is archived nothing more is
written to it, so no move is recorded after the archive's own event."""

from __future__ import annotations

from sqlalchemy import Engine, select
from storage_helpers import MEMBER, OWNER, make_claims, run_together, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import Conflict
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Service
from flowdesk.services import items as uc
from flowdesk.services import lifecycle
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.tables import item_events
from flowdesk.storage.unit_of_work import UnitOfWork


def events_after_archive(engine: Engine, service_id: int) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(item_events.c.seq, item_events.c.kind)
                            .where(item_events.c.service_id == service_id)
                            .order_by(item_events.c.seq)).all()
    archived = [seq for seq, kind in rows if kind == "service_archived"]
    return [kind for seq, kind in rows if archived and seq > archived[-1]
            and kind != "service_restored"]


def test_a_move_racing_an_archive_is_refused_or_recorded_before_it(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    ready = stage_id(service, "Ready")
    for round_no in range(10):
        keys = [uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {round_no}.{n}")).key
                for n in range(3)]
        outcomes = run_together(4, lambda i, ks=keys: lifecycle.archive_service(
            uow, clock, OWNER, "CLM") if i == 0
            else uc.move_item(uow, clock, MEMBER, MoveItem(ks[i - 1], ready)))
        archived, moves = outcomes[0], outcomes[1:]
        assert isinstance(archived, Service), archived
        assert all(isinstance(m, WorkItem | Conflict) for m in moves), moves
        # Nothing of the service was written after its archive: a late move was refused.
        assert events_after_archive(engine, service.id) == [], (round_no, moves)
        lifecycle.restore_service(uow, clock, OWNER, "CLM")
