"""Request and response bodies for skills, availability, capacity, staffing and lending."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictFloat, StrictInt

from flowdesk.api.schemas import DueDate, Strict
from flowdesk.domain.people import Role
from flowdesk.domain.skills import Level
from flowdesk.services.availability import Availability
from flowdesk.services.capacity import ServiceCapacity
from flowdesk.services.lending import Lending
from flowdesk.services.skills import LevelView, Matrix
from flowdesk.storage.capacity import AbsenceRow, LevelRow

LEVELS = "0 none, 1 learning, 2 can do alone, 3 can teach"


# --- skills ---------------------------------------------------------------------------------

class SkillIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=60, description="unique in the service, "
                                                                "letter case aside; no '/'")
    item_types: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=50, description="the item types that need the skill")


class SkillsIn(BaseModel):
    model_config = Strict
    skills: list[SkillIn] = Field(max_length=50, description="the whole list, in order")


class LevelIn(BaseModel):
    model_config = Strict
    # The bounds are the domain's (`check_level`), which names the levels when it refuses.
    level: StrictInt = Field(description=LEVELS, json_schema_extra={"minimum": 0, "maximum": 3})


class SkillOut(BaseModel):
    name: str
    item_types: list[str]


class LevelOut(BaseModel):
    level: int = Field(description=f"the confirmed level ({LEVELS}); 0 until one is confirmed")
    label: str
    confirmed_by: str | None
    confirmed_at: datetime | None
    proposed: int | None = Field(description="the level the person proposed, waiting for a "
                                             "Flow Manager or Service Delivery Manager")
    proposed_at: datetime | None

    @classmethod
    def of(cls, row: LevelRow | None) -> LevelOut:
        if row is None:
            return cls(level=0, label=Level.NONE.label, confirmed_by=None, confirmed_at=None,
                       proposed=None, proposed_at=None)
        level = row.level or 0
        return cls(level=level, label=Level(level).label, confirmed_by=row.confirmed_by,
                   confirmed_at=row.confirmed_at, proposed=row.proposed,
                   proposed_at=row.proposed_at)


class PersonLevelOut(LevelOut):
    username: str
    display_name: str
    skill: str

    @classmethod
    def of_view(cls, view: LevelView) -> PersonLevelOut:
        return cls(username=view.username, display_name=view.display_name, skill=view.skill,
                   **LevelOut.of(view.row).model_dump())


class MatrixPersonOut(BaseModel):
    username: str
    display_name: str
    available_today: bool
    hours_per_week: float
    levels: dict[str, LevelOut] = Field(description="by skill, each of the service's skills")


class RiskOut(BaseModel):
    skill: str
    kind: str = Field(description="single_point: one person can do it alone (the bus factor); "
                                  "gap: the work needs it and nobody available can")
    people: list[str] = Field(description="who can do it alone (level 2 or 3)")
    sentence: str


class MatrixOut(BaseModel):
    service: str
    today: date = Field(description="in the service's time zone: who is available today")
    levels: str = Field(default=LEVELS, description="what the levels mean")
    skills: list[SkillOut]
    people: list[MatrixPersonOut] = Field(description="the service's team members")
    risks: list[RiskOut] = Field(description="gaps first, then single points")

    @classmethod
    def of(cls, matrix: Matrix) -> MatrixOut:
        return cls(
            service=matrix.service, today=matrix.today,
            skills=[SkillOut(name=s.name, item_types=list(s.item_types)) for s in matrix.skills],
            people=[MatrixPersonOut(
                username=p.username, display_name=p.display_name,
                available_today=p.available_today, hours_per_week=p.hours_per_week,
                levels={s.name: LevelOut.of(p.levels.get(s.name)) for s in matrix.skills})
                for p in matrix.people],
            risks=[RiskOut(skill=r.skill, kind=r.kind, people=list(r.people),
                           sentence=r.sentence) for r in matrix.risks])


# --- availability ---------------------------------------------------------------------------

class AvailabilityIn(BaseModel):
    model_config = Strict
    # The bounds are the domain's (`check_hours`), which says how to record time off.
    hours_per_week: StrictFloat = Field(
        description="more than 0 and at most 168",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 168})


class AbsenceIn(BaseModel):
    model_config = Strict
    starts_on: DueDate
    ends_on: DueDate = Field(description="the last day away, included")
    reason: str = Field(default="", max_length=200,
                        description="seen by the people the person works with")


class AbsenceOut(BaseModel):
    id: int
    starts_on: date
    ends_on: date
    reason: str
    added_by: str
    added_at: datetime

    @classmethod
    def of(cls, row: AbsenceRow) -> AbsenceOut:
        return cls(id=row.id, starts_on=row.starts_on, ends_on=row.ends_on, reason=row.reason,
                   added_by=row.added_by, added_at=row.added_at)


class AvailabilityOut(BaseModel):
    username: str
    display_name: str
    hours_per_week: float
    hours_set: bool = Field(description="false: the default, not set for this person")
    absences: list[AbsenceOut] = Field(description="earliest first")

    @classmethod
    def of(cls, found: Availability) -> AvailabilityOut:
        return cls(username=found.username, display_name=found.display_name,
                   hours_per_week=found.hours_per_week, hours_set=found.hours_set,
                   absences=[AbsenceOut.of(a) for a in found.absences])


# --- capacity and staffing ------------------------------------------------------------------

class DayOut(BaseModel):
    day: date
    expected: float = Field(description="arrivals the baseline expects")
    whole_day: bool = Field(description="false: the rest of today, from the hour under way")


class CapacityPersonOut(BaseModel):
    username: str
    display_name: str
    available: bool = Field(description="here today (not absent)")
    wip: int = Field(description="committed items assigned, across every service")
    wip_limit: int = Field(description="the personal WIP limit (the default when none is set)")
    room: int = Field(description="items they can still pull under it")
    share: float = Field(description="the capacity they give this service: their limit split "
                                     "over the services they are a team member of")
    hours_per_week: float


class CapacityOut(BaseModel):
    service: str
    name: str
    today: date
    days: list[DayOut] = Field(description="today, then the next working days")
    open_wip: int = Field(description="committed items not yet delivered")
    expected: float = Field(description="arrivals expected over the days")
    at_risk: int = Field(description="open items at risk of missing their due date")
    demand: float = Field(description="open WIP plus expected arrivals")
    capacity: float = Field(description="the shares of the team members available today")
    slack: float = Field(description="capacity minus demand")
    overloaded: bool
    sentence: str
    people: list[CapacityPersonOut] = Field(description="the service's team members")

    @classmethod
    def of(cls, found: ServiceCapacity) -> CapacityOut:
        load = found.load
        return cls(
            service=found.key, name=found.name, today=found.today,
            days=[DayOut(day=d.day, expected=d.expected, whole_day=d.whole_day)
                  for d in found.days],
            open_wip=load.open_wip, expected=round(load.expected, 3), at_risk=load.at_risk,
            demand=round(load.demand, 3), capacity=round(load.capacity, 3),
            slack=round(load.slack, 3), overloaded=load.overloaded, sentence=load.sentence,
            people=[CapacityPersonOut(
                username=p.username, display_name=p.name, available=p.available, wip=p.wip,
                wip_limit=p.wip_limit, room=p.room, share=round(p.share, 3),
                hours_per_week=p.weekly_hours) for p in found.people])


class NamedOut(BaseModel):
    username: str
    display_name: str


class SuggestionOut(BaseModel):
    people: list[NamedOut] = Field(description="one person, or an expert and a learner")
    from_service: str
    to_service: str
    skill: str
    score: float
    reasons: list[str]


class StaffingOut(BaseModel):
    days: int = Field(description="working days after today that demand looks ahead")
    services: list[CapacityOut] = Field(description="the services you can see, by key")
    suggestions: list[SuggestionOut] = Field(description="best first; they can all be "
                                                         "followed together")


# --- lending --------------------------------------------------------------------------------

class LendingIn(BaseModel):
    model_config = Strict
    username: str = Field(min_length=1, max_length=40, description="a team member of this "
                                                                   "service")
    to_service: str = Field(min_length=1, max_length=10,
                            description="the receiving service's key; you are a member")
    until: DueDate = Field(description="the last day of the lending, included")
    roles: list[Role] = Field(default_factory=lambda: [Role.TEAM_MEMBER], min_length=1,
                              max_length=2, description="team_member (default) or viewer")


class LendingOut(BaseModel):
    username: str
    display_name: str
    from_service: str
    to_service: str
    until: date
    ends_at: datetime = Field(description="the membership ends by itself then: midnight after "
                                          "`until` in the receiving service's time zone")
    roles: list[Role]
    decided_by: str
    decided_at: datetime

    @classmethod
    def of(cls, lending: Lending) -> LendingOut:
        return cls(username=lending.username, display_name=lending.display_name,
                   from_service=lending.from_service, to_service=lending.to_service,
                   until=lending.until, ends_at=lending.ends_at, roles=sorted(lending.roles),
                   decided_by=lending.decided_by, decided_at=lending.decided_at)
