"""A service's configured service level targets: read and replace them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt

from flowdesk.api.schemas import Strict
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.service_levels import MAX_DAYS, MAX_TARGETS
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import service_levels as uc

router = APIRouter(tags=["metrics"])


class TargetIn(BaseModel):
    model_config = Strict
    class_of_service: ClassOfService | None = Field(
        default=None, description="null: every class without a target of its own")
    percentile: StrictInt = Field(ge=1, le=100, description="85 for 85% of items")
    days: StrictInt = Field(ge=1, le=MAX_DAYS,
                            description="calendar days of lead time, commitment to delivery")


class ServiceLevelsIn(BaseModel):
    model_config = Strict
    targets: list[TargetIn] = Field(max_length=MAX_TARGETS)


class TargetOut(BaseModel):
    class_of_service: str | None
    percentile: int
    days: int
    text: str


class ServiceLevelsOut(BaseModel):
    service: str
    targets: list[TargetOut]


def _out(key: str, found: list[Any]) -> ServiceLevelsOut:
    return ServiceLevelsOut(service=key.upper(),
                            targets=[TargetOut(**uc.target_json(t)) for t in found])


@router.get("/services/{key}/service-levels", response_model=ServiceLevelsOut)
def get_service_levels(key: str, uow: UowDep, actor: ActorDep) -> ServiceLevelsOut:
    """The service's configured targets ("85% within 10 days"), per class of service. Items
    that arrived under a customer agreement are held to its target instead."""
    return _out(key, uc.get_targets(uow, actor, key))


@router.put("/services/{key}/service-levels", response_model=ServiceLevelsOut)
def put_service_levels(key: str, body: ServiceLevelsIn, uow: UowDep, clock: ClockDep,
                       actor: ActorDep) -> ServiceLevelsOut:
    """Replace the service's targets (an empty list clears them): at most one for the whole
    service and one per class of service."""
    found = uc.set_targets(uow, clock, actor, key, body.model_dump(mode="json"))
    return _out(key, found)
