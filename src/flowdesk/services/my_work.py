"""What is assigned to one person, across every service they can see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Service, Stage
from flowdesk.storage import repository as repo
from flowdesk.storage.reads import assigned_open_item_ids
from flowdesk.storage.unit_of_work import UnitOfWork

MY_WORK_MAX = 500


@dataclass(frozen=True)
class MyItem:
    item: WorkItem
    service: Service
    stage: Stage

    def age_days(self, now: datetime) -> float | None:
        return self.item.age_days(now)

    @property
    def due_date(self) -> date | None:
        return self.item.due_date


def my_work(uow: UnitOfWork, actor: Actor) -> list[MyItem]:
    """The open items (upstream or committed) assigned to the actor in the services they are
    a member of, committed work first, oldest commitment first."""
    if actor.user_id is None:
        return []
    with uow.read() as conn:
        rows = assigned_open_item_ids(conn, actor.user_id, MY_WORK_MAX)
        found: list[MyItem] = []
        services: dict[int, Service] = {}
        for item_id in rows:
            item = repo.load_item(conn, int(item_id))
            if not actor.is_member(item.service_id):
                continue  # a membership that ended: the work is theirs, the board no longer
            service = services.get(item.service_id) or repo.load_service(conn, item.service_id)
            services[item.service_id] = service
            found.append(MyItem(item, service, service.stage(item.stage_id)))
    committed = [m for m in found if m.stage.phase is Phase.COMMITTED]
    return committed + [m for m in found if m.stage.phase is not Phase.COMMITTED]
