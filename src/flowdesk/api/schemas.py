"""Request and response bodies. Never the table classes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from flowdesk.domain.classes import ClassOfService, ClassPolicy
from flowdesk.domain.failure_demand import FailureKind
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import POLICY_MAX, Phase, Service, Stage, StageKind
from flowdesk.services.queries import EventView

# Unknown fields are refused, and so are ints and booleans in disguise ("3", true for a limit).
Strict = ConfigDict(extra="forbid")
# A date as "YYYY-MM-DD" only: a number (0 read as 1970-01-01) is refused. The range is the
# domain's (`check_due_date`).
def _date_text(value: Any) -> Any:
    if isinstance(value, int | float):  # bool is an int too
        raise ValueError("must be a date like 2026-03-31, not a number")
    return value


DueDate = Annotated[date, BeforeValidator(_date_text), Field(description="YYYY-MM-DD")]


class StageIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=80)
    phase: Phase
    kind: StageKind = StageKind.ACTIVITY
    wip_limit: StrictInt | None = Field(default=None, ge=1, le=10_000)
    policy: str = Field(default="", max_length=POLICY_MAX)


class ServiceIn(BaseModel):
    model_config = Strict
    key: str = Field(min_length=2, max_length=10, pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=20_000)
    stages: list[StageIn] | None = Field(default=None, max_length=50)
    blocker_categories: list[str] | None = Field(default=None, max_length=50)
    person_wip_limit: StrictInt | None = Field(default=None, ge=1, le=1_000)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)
    deliver_from_any_stage: StrictBool = Field(
        default=False, description="false: work is delivered only from the last committed "
        "stage; true: from any stage")

    template: str | None = Field(
        default=None, max_length=40,
        description="it-service-desk, claims-centre, software-delivery or empty: the stages, "
                    "item types and blocker categories of what is not given")
    item_types: list[str] | None = Field(default=None, max_length=30,
                                         description="the types of work a new item is offered")

class WorkflowStageIn(BaseModel):
    """One stage of `PUT /services/{key}/workflow`: with an `id`, an existing stage (renamed or
    changed); without, a new one; `retired` takes an existing stage out of the workflow."""

    model_config = Strict
    id: StrictInt | None = None
    name: str = Field(max_length=80)
    phase: Phase
    kind: StageKind = StageKind.ACTIVITY
    wip_limit: StrictInt | None = Field(default=None, le=10_000)
    policy: str = Field(default="", max_length=POLICY_MAX)
    retired: StrictBool = False


class WorkflowIn(BaseModel):
    """The whole ordered stage list, applied in one transaction, or refused and nothing
    changed. Retired stages left out of the list stay retired where they are."""

    model_config = Strict
    stages: list[WorkflowStageIn] = Field(max_length=50)
    deliver_from_any_stage: StrictBool | None = Field(
        default=None, description="true: work may be delivered from any stage; false: only "
        "from the last committed stage; absent: unchanged")


class StageOut(BaseModel):
    id: int
    name: str
    phase: Phase
    kind: StageKind
    position: int
    limit: int | None
    policy: str

    @classmethod
    def of(cls, stage: Stage) -> StageOut:
        return cls(id=stage.id, name=stage.name, phase=stage.phase, kind=stage.kind,
                   position=stage.position, limit=stage.wip_limit, policy=stage.policy)


class ClassPolicyOut(BaseModel):
    cos: ClassOfService
    label: str
    wip_limit: int | None
    may_exceed_stage_limits: bool
    requires_due_date: bool
    policy: str

    @classmethod
    def of(cls, policy: ClassPolicy) -> ClassPolicyOut:
        return cls(cos=policy.cos, label=policy.cos.label, wip_limit=policy.wip_limit,
                   may_exceed_stage_limits=policy.may_exceed_stage_limits,
                   requires_due_date=policy.requires_due_date, policy=policy.policy)


class StageGroupOut(BaseModel):
    id: int
    name: str
    stage_ids: list[int]
    limit: int | None


class ServiceOut(BaseModel):
    key: str
    name: str
    description: str
    stages: list[StageOut]
    classes_of_service: list[ClassPolicyOut]
    stage_groups: list[StageGroupOut]
    person_wip_limit: int | None
    timezone: str
    blocker_categories: list[str]
    item_types: list[str]
    archived_at: datetime | None = Field(description="set: archived, read-only")
    commitment_point: str = Field(description="the boundary: after the last upstream stage")
    delivery_point: str = Field(description="entry into the first done stage")
    deliver_from_any_stage: bool = Field(description="false: work is delivered only from the "
                                         "last committed stage")
    retired_stages: list[StageOut] = Field(description="stages taken out of the workflow, "
                                           "kept with their history")

    @classmethod
    def of(cls, s: Service) -> ServiceOut:
        upstream = s.stages_in(Phase.UPSTREAM)
        done = s.stages_in(Phase.DONE)
        return cls(
            key=s.key, name=s.name, description=s.description,
            stages=[StageOut.of(st) for st in s.stages],
            classes_of_service=[ClassPolicyOut.of(p) for p in s.classes.values()],
            stage_groups=[StageGroupOut(id=g.id, name=g.name, stage_ids=sorted(g.stage_ids),
                                        limit=g.wip_limit) for g in s.groups],
            person_wip_limit=s.person_wip_limit, timezone=s.timezone,
            blocker_categories=list(s.blocker_categories), item_types=list(s.item_types),
            archived_at=s.archived_at,
            commitment_point=f"after '{upstream[-1].name}'" if upstream else "",
            delivery_point=f"into '{done[0].name}'" if done else "",
            deliver_from_any_stage=s.deliver_from_any_stage,
            retired_stages=[StageOut.of(st) for st in s.retired_stages],
        )


class ServiceSummaryOut(BaseModel):
    key: str
    name: str
    wip: int
    blocked: int
    delivered_this_week: int


class DeleteServiceIn(BaseModel):
    model_config = Strict
    confirm: str = Field(max_length=40, description="the service's key, typed to confirm")


class DeletedOut(BaseModel):
    key: str
    items: int
    events: int
    rows: dict[str, int] = Field(description="rows removed, by table")


class LimitIn(BaseModel):
    model_config = Strict
    limit: StrictInt | None = Field(ge=1, le=10_000)


class PolicyIn(BaseModel):
    model_config = Strict
    policy: str = Field(max_length=POLICY_MAX)


class ClassPolicyIn(BaseModel):
    model_config = Strict
    wip_limit: StrictInt | None = Field(default=None, ge=1, le=10_000)
    may_exceed_stage_limits: StrictBool | None = None
    requires_due_date: StrictBool | None = None
    policy: str | None = Field(default=None, max_length=POLICY_MAX)


class StageGroupIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=80)
    stage_ids: list[StrictInt] = Field(min_length=2, max_length=50)
    limit: StrictInt | None = Field(ge=1, le=10_000)


class ItemIn(BaseModel):
    model_config = Strict
    title: str = Field(min_length=1, max_length=200)
    type: str = Field(default="request", min_length=1, max_length=40)
    class_of_service: ClassOfService = ClassOfService.STANDARD
    description: str = Field(default="", max_length=20_000)
    customer: str = Field(default="", max_length=120)
    due_date: DueDate | None = None
    assignees: list[str] = Field(default_factory=list, max_length=20)
    stage_id: StrictInt | None = None
    override_reason: str | None = Field(default=None, max_length=1_000)


class ItemPatch(BaseModel):
    model_config = Strict
    title: str | None = Field(default=None, min_length=1, max_length=200)
    type: str | None = Field(default=None, min_length=1, max_length=40)
    class_of_service: ClassOfService | None = None
    description: str | None = Field(default=None, max_length=20_000)
    customer: str | None = Field(default=None, max_length=120)
    due_date: DueDate | None = None
    override_reason: str | None = Field(default=None, max_length=1_000)

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent; `due_date: null` clears the date."""
        sent = self.model_dump(exclude_unset=True)
        sent.pop("override_reason", None)
        if "class_of_service" in sent:
            sent["cos"] = sent.pop("class_of_service")
        for name in ("title", "type", "description", "customer", "cos"):
            if name in sent and sent[name] is None:
                sent.pop(name)
        return sent


class MoveIn(BaseModel):
    model_config = Strict
    to_stage: StrictInt
    before: str | None = Field(default=None, max_length=24)
    override_reason: str | None = Field(default=None, max_length=1_000)
    reason: str | None = Field(default=None, max_length=1_000)


class BlockIn(BaseModel):
    model_config = Strict
    reason: str = Field(min_length=1, max_length=1_000)
    category: str = Field(min_length=1, max_length=40)


class AssignIn(BaseModel):
    model_config = Strict
    person: str = Field(min_length=1, max_length=80)
    override_reason: str | None = Field(default=None, max_length=1_000)


class BlockerOut(BaseModel):
    reason: str
    category: str
    started_at: datetime


class AgreementRefOut(BaseModel):
    id: int
    version: int


class FailureDemandOut(BaseModel):
    kind: FailureKind = Field(description="repeat, complaint or correction")
    stems_from: str | None = Field(description="the key of the earlier delivered item")


class FailureDemandIn(BaseModel):
    """Mark an item as failure demand (`kind` null: it is not)."""

    model_config = Strict
    kind: FailureKind | None
    stems_from: str | None = Field(default=None, min_length=1, max_length=24)


class FixWindowIn(BaseModel):
    model_config = Strict
    window_days: StrictInt = Field(description="days after a delivery within which failure "
                                   "demand linked to it counts against its first-time fix")


class FixWindowOut(BaseModel):
    window_days: int


class ItemOut(BaseModel):
    key: str
    version: int
    title: str
    description: str
    type: str
    class_of_service: ClassOfService
    customer: str
    due_date: date | None
    assignees: list[str]
    stage_id: int
    stage: str
    phase: Phase
    rank: int
    blocked: bool
    blocker: BlockerOut | None
    arrived_at: datetime
    committed_at: datetime | None
    delivered_at: datetime | None
    discarded_at: datetime | None
    due_at: datetime | None = Field(description="when the agreement that applied at arrival "
                                    "promised it: ISO 8601 in the service's time zone")
    entitlement: str = Field(description="what the agreement entitles it to, in words")
    agreement: AgreementRefOut | None = Field(description="the agreement version it arrived "
                                              "under")
    failure_demand: FailureDemandOut | None = Field(
        default=None, description="failure demand: its kind and the earlier item it stems "
        "from (null: value demand)")

    @classmethod
    def of(cls, item: WorkItem, service: Service) -> Self:
        stage = service.stage(item.stage_id)
        blocker = item.blocker if item.is_blocked else None
        return cls(
            key=item.key, version=item.version, title=item.title, description=item.description,
            type=item.type, class_of_service=item.cos, customer=item.customer,
            due_date=item.due_date, assignees=list(item.assignees), stage_id=item.stage_id,
            stage=stage.name, phase=stage.phase, rank=item.rank, blocked=blocker is not None,
            blocker=BlockerOut(reason=blocker.reason, category=blocker.category,
                               started_at=blocker.started_at) if blocker else None,
            arrived_at=item.arrived_at, committed_at=item.committed_at,
            delivered_at=item.delivered_at, discarded_at=item.discarded_at,
            due_at=_in_zone(item.due_at, service.timezone), entitlement=item.entitlement,
            agreement=None if item.agreement_id is None or item.agreement_version is None
            else AgreementRefOut(id=item.agreement_id, version=item.agreement_version),
            failure_demand=None if item.failure_kind is None else FailureDemandOut(
                kind=FailureKind(item.failure_kind), stems_from=item.stems_from_key or None),
        )


class WarningOut(BaseModel):
    field: str
    message: str


class CreatedItemOut(ItemOut):
    """A new item, with what was accepted but may not have been meant."""

    warnings: list[WarningOut] = Field(
        default_factory=list, description="accepted but worth a second look, by field: a due "
        "date already past in the service's time zone")


def _in_zone(moment: datetime | None, timezone: str) -> datetime | None:
    """An instant as the service's wall clock shows it, with its offset (ISO 8601)."""
    if moment is None:
        return None
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown here: UTC, said as such
        return moment


class BoardStageOut(BaseModel):
    id: int
    name: str
    phase: Phase
    kind: StageKind
    limit: int | None
    count: int
    policy: str
    hidden: int = Field(description="cards in this stage not listed (older deliveries)")
    items: list[ItemOut]


class BoardOut(BaseModel):
    service: str
    stages: list[BoardStageOut]


class EventOut(BaseModel):
    id: int
    seq: int = Field(description="the event's number within its service, from 1")
    item: str | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    at: datetime
    actor: str
    reason: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, e: EventView) -> EventOut:
        return cls(id=e.id, seq=e.seq, item=e.item_key, kind=e.kind, from_stage=e.from_stage,
                   to_stage=e.to_stage, at=e.at, actor=e.actor, reason=e.reason,
                   payload=e.payload)


class EventPage(BaseModel):
    events: list[EventOut]
    next_cursor: int = Field(description="the last event's `seq`: pass as `after` to get the "
                             "next page")


class ErrorOut(BaseModel):
    """Every error: a stable code, a message for people, and the field it concerns."""

    error: str
    message: str
    field: str | None


class EscalateIn(BaseModel):
    model_config = Strict
    note: str = Field(min_length=1, max_length=1_000)
