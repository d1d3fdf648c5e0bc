"""Bodies of the agreements, customers and calendars endpoints. The domain's parsers check
the values (time zones, clock times, shares), naming the field; these check shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, StrictFloat, StrictInt

from flowdesk.api.schemas import Strict
from flowdesk.domain.agreements import Agreement
from flowdesk.domain.calendars import DAY_NAMES, Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.customers import Customer
from flowdesk.services.agreements import AgreementView, VersionView
from flowdesk.services.ics import MAX_ICS_BYTES

Clock = str  # "HH:MM", checked by the domain (the field named on refusal)
CLOCK = Field(default=None, max_length=5, description="HH:MM, 00:00-23:59")


class CalendarIn(BaseModel):
    model_config = Strict
    name: str = Field(default="", max_length=120)
    timezone: str = Field(max_length=64, description="an IANA zone, e.g. Europe/Brussels")
    working_days: list[str] = Field(max_length=7, description="mon ... sun")
    working_hours: list[str] = Field(max_length=2, description='["09:00", "17:00"]')
    holidays: list[str] = Field(default_factory=list, max_length=2_000,
                                description="YYYY-MM-DD")


class NamedCalendarIn(CalendarIn):
    key: str = Field(min_length=1, max_length=40, description="e.g. brussels-office")


class TargetIn(BaseModel):
    model_config = Strict
    value: StrictInt | StrictFloat = Field(description="how many units; more than 0")
    unit: str = Field(max_length=20,
                      description="working_hours, working_days or calendar_days")
    share: StrictInt | StrictFloat = Field(description="the share that should meet it, in "
                                           "(0, 1], e.g. 0.85")


class AgreementIn(BaseModel):
    """An agreement, whole: creating one, or its next version."""

    model_config = Strict
    name: str = Field(default="", max_length=120)
    customer: str | None = Field(default=None, max_length=40,
                                 description="a customer's key in the registry; null: any")
    class_of_service: ClassOfService | None = Field(default=None, description="null: any")
    calendar: str | CalendarIn = Field(description="a registry calendar's key, or a calendar")
    target: TargetIn
    cut_off: Clock | None = CLOCK
    due_by: Clock | None = CLOCK

    def body(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data.setdefault("customer", None)
        data.setdefault("class_of_service", None)
        return data


class CalendarOut(BaseModel):
    key: str | None = Field(description="the registry calendar's key; null: given inline")
    name: str
    timezone: str
    working_days: list[str]
    working_hours: list[str]
    holidays: list[str]

    @classmethod
    def of(cls, calendar: Calendar, key: str | None) -> CalendarOut:
        return cls(key=key, name=calendar.name, timezone=calendar.timezone,
                   working_days=[DAY_NAMES[d] for d in sorted(calendar.working_days)],
                   working_hours=calendar.hours_text.split("-"),
                   holidays=[d.isoformat() for d in sorted(calendar.holidays)])


class TargetOut(BaseModel):
    value: int | float
    unit: str
    share: float
    text: str = Field(description='e.g. "85% within 1 working day"')


class AgreementVersionOut(BaseModel):
    version: int
    name: str
    customer: str | None
    class_of_service: ClassOfService | None
    calendar: CalendarOut
    target: TargetOut
    cut_off: str | None
    due_by: str | None
    created_by: str
    created_at: datetime
    ended_at: datetime | None = Field(description="when a newer version or the retirement "
                                      "replaced it; null: in force")

    @classmethod
    def of(cls, v: VersionView) -> AgreementVersionOut:
        a: Agreement = v.agreement
        return cls(
            version=a.version, name=a.name, customer=a.customer, class_of_service=a.cos,
            calendar=CalendarOut.of(a.calendar, v.calendar_key),
            target=TargetOut(value=a.target.value, unit=a.target.unit.value,
                             share=a.target.share, text=str(a.target)),
            cut_off=None if a.cut_off is None else f"{a.cut_off:%H:%M}",
            due_by=None if a.due_by is None else f"{a.due_by:%H:%M}",
            created_by=v.created_by, created_at=v.created_at, ended_at=v.retired_at)


class AgreementOut(AgreementVersionOut):
    """The agreement as its current version says, and every version, oldest first."""

    id: int
    service: str
    retired_at: datetime | None = Field(description="null: applies to new items")
    versions: list[AgreementVersionOut]

    @classmethod
    def of_view(cls, view: AgreementView) -> AgreementOut:
        current = AgreementVersionOut.of(view.current)
        return cls(**current.model_dump(), id=view.id, service=view.service_key,
                   retired_at=view.retired_at,
                   versions=[AgreementVersionOut.of(v) for v in view.versions])


class ContactIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(min_length=3, max_length=254)


class CustomerIn(BaseModel):
    model_config = Strict
    name: str = Field(min_length=1, max_length=120)
    key: str | None = Field(default=None, max_length=40,
                            description="lowercase letters, digits and '-'; made from the name "
                            "when left out")
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)


class ContactOut(BaseModel):
    name: str
    email: str


class CustomerOut(BaseModel):
    key: str
    name: str
    contacts: list[ContactOut]

    @classmethod
    def of(cls, c: Customer) -> CustomerOut:
        return cls(key=c.key, name=c.name,
                   contacts=[ContactOut(name=p.name, email=p.email) for p in c.contacts])


class HolidaysIn(BaseModel):
    """Either an .ics file's text (its all-day events), or dates."""

    model_config = Strict
    ics: str | None = Field(default=None, max_length=MAX_ICS_BYTES,
                            description="the text of an iCalendar (.ics) file")
    dates: list[str] | None = Field(default=None, max_length=2_000, description="YYYY-MM-DD")


class HolidaysOut(BaseModel):
    calendar: CalendarOut
    added: list[str] = Field(description="the days that were not holidays before")
    agreements_revised: int = Field(description="agreements using the calendar that got a "
                                    "new version with them")
