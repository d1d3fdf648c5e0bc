"""What the services page shows of the services' life: who may create, archive, restore and
delete, the archived services, and the demo a first run loaded (with the button that removes
it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, may
from flowdesk.services import queries
from flowdesk.services.queries import ServiceSummary
from flowdesk.storage.unit_of_work import UnitOfWork


def life_context(uow: UnitOfWork, actor: Actor, now: datetime,
                 summaries: list[ServiceSummary]) -> dict[str, Any]:
    archived = queries.list_services(uow, actor, now, archived=True)
    demo = sorted(s.service.key for s in [*summaries, *archived] if s.service.demo)
    return {
        "archived": archived,
        "demo_keys": demo,
        "may_create": may(actor, Action.CREATE_SERVICE),
        "may_delete": may(actor, Action.DELETE_SERVICE),
        "may_archive": {s.service.key for s in [*summaries, *archived]
                        if may(actor, Action.ARCHIVE_SERVICE, s.service.id)},
    }
