"""Customer agreements of a service, and the customer registry and business calendars that
every service shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from flowdesk.api.agreement_schemas import (
    AgreementIn,
    AgreementOut,
    CalendarOut,
    CustomerIn,
    CustomerOut,
    HolidaysIn,
    HolidaysOut,
    NamedCalendarIn,
)
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import agreements as uc
from flowdesk.services import registry

router = APIRouter(tags=["agreements"])
AgreementId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AGREEMENTS = "/services/{key}/agreements"


@router.get(AGREEMENTS, response_model=list[AgreementOut])
def list_agreements(key: str, uow: UowDep, actor: ActorDep) -> list[AgreementOut]:
    """The service's agreements, retired ones too, each with every version."""
    return [AgreementOut.of_view(v) for v in uc.list_agreements(uow, actor, key)]


@router.post(AGREEMENTS, response_model=AgreementOut, status_code=201)
def create_agreement(key: str, body: AgreementIn, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> AgreementOut:
    """A promise for the service, narrowed to a customer and/or a class of service or not:
    the most specific one that matches an arriving item sets its due time."""
    return AgreementOut.of_view(uc.create_agreement(uow, clock, actor, key, body.body()))


# Read at .../versions: a GET at .../{agreement_id} would answer "..", which clients resolve
# to the service itself, with the service (the bad-input tests send every odd path value).
@router.get(AGREEMENTS + "/{agreement_id}/versions", response_model=AgreementOut)
def get_agreement(key: str, agreement_id: AgreementId, uow: UowDep,
                  actor: ActorDep) -> AgreementOut:
    """The agreement as it is now, and the history of its versions."""
    return AgreementOut.of_view(uc.get_agreement(uow, actor, key, agreement_id))


@router.put(AGREEMENTS + "/{agreement_id}", response_model=AgreementOut)
def change_agreement(key: str, agreement_id: AgreementId, body: AgreementIn, uow: UowDep,
                     clock: ClockDep, actor: ActorDep) -> AgreementOut:
    """The agreement's next version, given whole. Items keep the version they arrived
    under."""
    return AgreementOut.of_view(uc.change_agreement(uow, clock, actor, key, agreement_id,
                                                    body.body()))


@router.delete(AGREEMENTS + "/{agreement_id}", response_model=AgreementOut)
def retire_agreement(key: str, agreement_id: AgreementId, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> AgreementOut:
    """Retire the agreement: it applies to no new item. Its versions are kept."""
    return AgreementOut.of_view(uc.retire_agreement(uow, clock, actor, key, agreement_id))


@router.get("/customers", response_model=list[CustomerOut])
def list_customers(uow: UowDep, actor: ActorDep) -> list[CustomerOut]:
    return [CustomerOut.of(c) for c in registry.list_customers(uow, actor)]


@router.post("/customers", response_model=CustomerOut, status_code=201)
def create_customer(body: CustomerIn, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> CustomerOut:
    return CustomerOut.of(registry.create_customer(
        uow, clock, actor, name=body.name, key=body.key,
        contacts=[(c.name, c.email) for c in body.contacts]))


@router.get("/calendars", response_model=list[CalendarOut])
def list_calendars(uow: UowDep, actor: ActorDep) -> list[CalendarOut]:
    return [CalendarOut.of(c.calendar, c.key) for c in registry.list_calendars(uow, actor)]


@router.post("/calendars", response_model=CalendarOut, status_code=201)
def create_calendar(body: NamedCalendarIn, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> CalendarOut:
    data = body.model_dump(exclude={"key"})
    made = registry.create_calendar(uow, clock, actor, body.key, data)
    return CalendarOut.of(made.calendar, made.key)


@router.post("/calendars/{calendar_key}/holidays", response_model=HolidaysOut)
def add_holidays(calendar_key: str, body: HolidaysIn, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> HolidaysOut:
    """Add holidays: an .ics file's all-day events (`ics`, its text), or `dates`. The
    agreements using the calendar get a new version with them."""
    added = registry.add_holidays(
        uow, clock, actor, calendar_key,
        ics=None if body.ics is None else body.ics.encode("utf-8", "surrogatepass"),
        days=body.dates)
    return HolidaysOut(calendar=CalendarOut.of(added.calendar.calendar, added.calendar.key),
                       added=[d.isoformat() for d in added.added],
                       agreements_revised=added.agreements_revised)
