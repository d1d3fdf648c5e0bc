"""What callers ask for. Plain data: the edges build these from requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.workflow import StageSpec


@dataclass(frozen=True)
class CreateService:
    key: str
    name: str
    description: str = ""
    stages: list[StageSpec] | None = None  # None: the default workflow
    blocker_categories: list[str] | None = None
    person_wip_limit: int | None = None
    timezone: str = "UTC"
    deliver_from_any_stage: bool = False  # False: only from the last committed stage
    template: str | None = None  # a `domain.templates` key: the defaults of what is not given
    item_types: list[str] | None = None


@dataclass(frozen=True)
class CreateItem:
    service_key: str
    title: str
    type: str = "request"
    cos: ClassOfService = ClassOfService.STANDARD
    description: str = ""
    customer: str = ""
    due_date: date | None = None
    assignees: tuple[str, ...] = ()
    stage_id: int | None = None  # an upstream stage; None: the first one
    idempotency_key: str | None = None
    override_reason: str | None = None  # given: a full arrival stage may be exceeded, recorded


@dataclass(frozen=True)
class MoveItem:
    item_key: str
    to_stage: int
    before: str | None = None  # the key of the card to land in front of; None: the bottom
    override_reason: str | None = None  # given: limits may be exceeded, and that is recorded
    reason: str | None = None  # why (needed to discard)
    expected_version: int | None = None


@dataclass(frozen=True)
class UpdateItem:
    item_key: str
    changes: dict[str, Any] = field(default_factory=dict)
    expected_version: int | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class BlockItem:
    item_key: str
    reason: str
    category: str
    expected_version: int | None = None


@dataclass(frozen=True)
class AssignItem:
    item_key: str
    person: str
    expected_version: int | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class EscalateItem:
    item_key: str
    note: str
    expected_version: int | None = None
