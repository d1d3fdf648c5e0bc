"""Plain builders for domain tests: a service's workflow and items, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flowdesk.domain.classes import ClassOfService, default_class_policies
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Phase, Service, Stage, StageGroup, StageKind

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Stage ids of the workflow claims_service() builds, in board order.
OPTIONS, READY, DOING, REVIEW, DONE, DISCARDED = 1, 2, 3, 4, 5, 6


def claims_service(*, doing_limit: int | None = 2, review_limit: int | None = 2,
                   groups: tuple[StageGroup, ...] = (), person_limit: int | None = None,
                   expedite_limit: int | None = 1) -> Service:
    """A small claims workflow: Options, Ready | In progress, Review | Done, Discarded."""
    stages = (
        Stage(OPTIONS, "Options", Phase.UPSTREAM, StageKind.QUEUE, 0),
        Stage(READY, "Ready", Phase.UPSTREAM, StageKind.QUEUE, 1, wip_limit=3),
        Stage(DOING, "In progress", Phase.COMMITTED, StageKind.ACTIVITY, 2, wip_limit=doing_limit),
        Stage(REVIEW, "Review", Phase.COMMITTED, StageKind.QUEUE, 3, wip_limit=review_limit),
        Stage(DONE, "Done", Phase.DONE, StageKind.QUEUE, 4),
        Stage(DISCARDED, "Discarded", Phase.DISCARDED, StageKind.QUEUE, 5),
    )
    classes = default_class_policies()
    classes[ClassOfService.EXPEDITE] = classes[ClassOfService.EXPEDITE].with_changes(
        wip_limit=expedite_limit)
    return Service(id=1, key="CLM", name="Priority claims", stages=stages, groups=groups,
                   classes=classes, person_wip_limit=person_limit)


def claim(stage_id: int = READY, *, cos: ClassOfService = ClassOfService.STANDARD,
          assignees: tuple[str, ...] = (), **changes: object) -> WorkItem:
    """A claim sitting in `stage_id`, version 1, arrived at NOW."""
    item = WorkItem(id=7, service_id=1, key="CLM-7", title="Refund for agency Nordlys",
                    stage_id=stage_id, rank=1 << 20, version=1, arrived_at=NOW, cos=cos,
                    assignees=assignees)
    return replace(item, **changes)  # type: ignore[arg-type]
