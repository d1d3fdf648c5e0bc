"""Demand and capacity: the skills matrix, people's availability, each service's load,
staffing suggestions across services, and lending people between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from flowdesk.api.capacity_schemas import (
    AbsenceIn,
    AbsenceOut,
    AvailabilityIn,
    AvailabilityOut,
    CapacityOut,
    LendingIn,
    LendingOut,
    LevelIn,
    MatrixOut,
    NamedOut,
    PersonLevelOut,
    SkillsIn,
    StaffingOut,
    SuggestionOut,
)
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import availability, capacity, lending, skills

router = APIRouter(tags=["capacity"])

Days = Annotated[int, Query(ge=0, le=capacity.MAX_DAYS,
                            description="working days after today that demand looks ahead")]


@router.get("/services/{key}/skills", response_model=MatrixOut)
def get_skills(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> MatrixOut:
    """The skills matrix: the skills the service's work needs (and the item types that need
    each), its team members with their hours and whether they are here today, each one's
    confirmed level and any proposed level waiting for confirmation, and the risks: a skill
    only one person can do alone (bus factor), and one nobody available can do alone (gap)."""
    return MatrixOut.of(skills.skills_matrix(uow, clock, actor, key))


@router.put("/services/{key}/skills", response_model=MatrixOut)
def put_skills(key: str, body: SkillsIn, uow: UowDep, clock: ClockDep,
               actor: ActorDep) -> MatrixOut:
    """Set the skills the service's work needs, replacing the list (a Service Delivery
    Manager or Flow Manager). People's levels are kept. Answers the matrix."""
    specs = [skills.SkillSpec(s.name, s.item_types) for s in body.skills]
    return MatrixOut.of(skills.define_skills(uow, clock, actor, key, specs))


@router.put("/services/{key}/skills/{skill}/people/{username}", response_model=PersonLevelOut)
def put_level(key: str, skill: str, username: str, body: LevelIn, uow: UowDep,
              clock: ClockDep, actor: ActorDep) -> PersonLevelOut:
    """Set a team member's level in one of the service's skills: from a Flow Manager or a
    Service Delivery Manager it is confirmed (settling any proposal); from team members for
    themselves it is a proposal that waits for confirmation. Each change is an event."""
    return PersonLevelOut.of_view(
        skills.set_level(uow, clock, actor, key, skill, username, body.level))


@router.get("/users/{username}/availability", response_model=AvailabilityOut)
def get_availability(username: str, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> AvailabilityOut:
    """A person's working hours per week and absences: for themself, admins, and the people
    they share a service with (anyone else is told there is no such user)."""
    return AvailabilityOut.of(availability.get_availability(uow, clock, actor, username))


@router.put("/users/{username}/availability", response_model=AvailabilityOut)
def put_availability(username: str, body: AvailabilityIn, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> AvailabilityOut:
    """Set a person's working hours per week: the person themself, an admin, or a Service
    Delivery Manager of a service they are a member of."""
    return AvailabilityOut.of(availability.set_hours(uow, clock, actor, username,
                                                     body.hours_per_week))


@router.post("/users/{username}/absences", response_model=AbsenceOut, status_code=201)
def add_absence(username: str, body: AbsenceIn, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> AbsenceOut:
    """Record an absence, both days included (who may: as for the working hours)."""
    return AbsenceOut.of(availability.add_absence(uow, clock, actor, username, body.starts_on,
                                                  body.ends_on, body.reason))


@router.delete("/users/{username}/absences/{absence_id}", status_code=204)
def remove_absence(username: str, absence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                   uow: UowDep, clock: ClockDep, actor: ActorDep) -> Response:
    """Remove an absence (who may: as for the working hours)."""
    availability.remove_absence(uow, clock, actor, username, absence_id)
    return Response(status_code=204)


@router.get("/services/{key}/capacity", response_model=CapacityOut)
def get_capacity(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
                 days: Days = capacity.DEFAULT_DAYS) -> CapacityOut:
    """The service's load: demand (open committed WIP, plus the arrivals the baseline expects
    for the rest of today and the next `days` working days) against the capacity of its
    team members available today (their personal WIP limits, each split over the services
    they work in). Overloaded when demand exceeds capacity, or items are at risk of missing
    their due date (`docs/metrics.md`, "Demand")."""
    return CapacityOut.of(capacity.service_capacity(uow, clock, actor, key, days))


@router.get("/staffing", response_model=StaffingOut)
def get_staffing(uow: UowDep, clock: ClockDep, actor: ActorDep,
                 days: Days = capacity.DEFAULT_DAYS) -> StaffingOut:
    """The load of every service you can see (an admin: all; anyone else: the services they
    are a member of), and whom a service with slack could lend to an overloaded one, with the
    reasons, best first. The suggestions can all be followed together (`POST
    /services/{key}/lendings`)."""
    found = capacity.staffing(uow, clock, actor, days)
    return StaffingOut(
        days=found.days, services=[CapacityOut.of(s) for s in found.services],
        suggestions=[SuggestionOut(
            people=[NamedOut(username=u, display_name=found.names.get(u, u)) for u in s.people],
            from_service=s.from_service, to_service=s.to_service, skill=s.skill,
            score=s.score, reasons=list(s.reasons)) for s in found.suggestions])


@router.post("/services/{key}/lendings", response_model=LendingOut, status_code=201)
def lend(key: str, body: LendingIn, uow: UowDep, clock: ClockDep,
         actor: ActorDep) -> LendingOut:
    """Lend a team member of this service to another one until a date (this service's
    Service Delivery Manager, or an admin; you must be a member of the receiving service).
    They become a member there with the roles given, until midnight after `until`, when the
    membership ends by itself. Only someone available may be lent: absent on no day of the
    lending and below their personal WIP limit. Recorded as an event in both services."""
    return LendingOut.of(lending.lend(uow, clock, actor, key, body.username, body.to_service,
                                      body.until, [r.value for r in body.roles]))
