"""What every service shares: the customer registry and the named business calendars.

Anyone signed in may read them. Keeping them is the Service Delivery Manager's of any
service, or an admin's (`Action.MANAGE_REGISTRY`). A calendar's new holidays give every
agreement in force that takes its calendar from it a new version (`agreements.
revise_calendar`): items that arrived before keep the due dates they were given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flowdesk.domain.calendars import Calendar, parse_calendar, parse_holiday
from flowdesk.domain.clock import Clock
from flowdesk.domain.customers import (
    Customer,
    check_contacts,
    check_key,
    check_name,
    key_from_name,
    unique_key,
)
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.services import agreements
from flowdesk.services.ics import holidays_from_ics
from flowdesk.storage import agreements as store
from flowdesk.storage.unit_of_work import UnitOfWork

HOLIDAYS_MAX = 2_000


# --- customers -----------------------------------------------------------------------------

def list_customers(uow: UnitOfWork, actor: Actor) -> list[Customer]:
    """Every customer in the registry, by key, with their contacts (anyone signed in)."""
    with uow.read() as conn:
        return store.list_customers(conn)


def create_customer(uow: UnitOfWork, clock: Clock, actor: Actor, *, name: str,
                    key: str | None = None,
                    contacts: list[tuple[str, str]] | None = None) -> Customer:
    """A new customer. Without a key, one is made from the name. Refused (422, naming the
    field) when the key or the name is taken already."""
    authorize(actor, Action.MANAGE_REGISTRY)
    clean_name = check_name(name)
    wanted = None if key is None else check_key(key)
    people = check_contacts(contacts or [])
    with uow.write() as conn:
        taken = store.customer_keys(conn)
        if wanted is not None and wanted in taken:
            raise InvalidInput(f"key: a customer with key {wanted!r} exists already", "key")
        same = store.customer_name_taken(conn, clean_name)
        if same is not None:
            raise InvalidInput(f"name: customer {same!r} is called {clean_name!r} already",
                               "name")
        final = wanted or unique_key(key_from_name(clean_name), taken)
        customer_id = store.insert_customer(conn, final, clean_name, people, clock.now())
        return Customer(customer_id, final, clean_name, people)


# --- calendars -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarView:
    key: str
    calendar: Calendar


def list_calendars(uow: UnitOfWork, actor: Actor) -> list[CalendarView]:
    with uow.read() as conn:
        return [CalendarView(c.key, c.calendar) for c in store.list_calendars(conn)]


def get_calendar(uow: UnitOfWork, actor: Actor, key: str) -> CalendarView:
    with uow.read() as conn:
        row = store.calendar_by_key(conn, key)
        if row is None:
            raise _no_calendar(key)
        return CalendarView(row.key, row.calendar)


def _no_calendar(key: str) -> NotFound:
    shown = repr(key) if "\x00" in key else f"'{key}'"
    return NotFound(f"no calendar with key {shown}", field="calendar_key")


def create_calendar(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                    data: Mapping[str, Any]) -> CalendarView:
    """A new named calendar: {name, timezone, working_days, working_hours, holidays}."""
    authorize(actor, Action.MANAGE_REGISTRY)
    clean_key = check_key(key)
    try:
        calendar = _parse(data)
    except InvalidInput as exc:  # the body is the calendar: name its own field
        field = (exc.field or "").removeprefix("calendar.")
        raise InvalidInput(exc.message.removeprefix("calendar."), field) from None
    with uow.write() as conn:
        if store.calendar_by_key(conn, clean_key) is not None:
            raise InvalidInput(f"key: a calendar with key {clean_key!r} exists already", "key")
        store.insert_calendar(conn, clean_key, calendar, clock.now())
        return CalendarView(clean_key, calendar)


def _parse(data: Mapping[str, Any]) -> Calendar:
    for name, value in data.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise InvalidInput(f"calendar.{name} must not contain NUL characters",
                               f"calendar.{name}")
    calendar = parse_calendar(data)
    if len(calendar.holidays) > HOLIDAYS_MAX:
        raise InvalidInput(f"calendar.holidays: at most {HOLIDAYS_MAX} days",
                           "calendar.holidays")
    if len(calendar.name) > 120:
        raise InvalidInput("calendar.name: at most 120 characters", "calendar.name")
    return calendar


@dataclass(frozen=True)
class HolidaysAdded:
    calendar: CalendarView
    added: list[date]  # the days that were not holidays before
    agreements_revised: int


def add_holidays(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, *,
                 ics: bytes | None = None, days: list[str] | None = None) -> HolidaysAdded:
    """Add holidays to a calendar, from an .ics file's all-day events or as dates. The
    agreements in force that use the calendar get a new version with them."""
    authorize(actor, Action.MANAGE_REGISTRY)
    if ics is None and days is None:
        raise InvalidInput("ics: give an .ics file or a list of dates", "ics")
    if ics is not None:
        new = holidays_from_ics(ics)
    else:
        try:
            new = [parse_holiday(d) for d in days or []]
        except InvalidInput as exc:
            raise InvalidInput(exc.message.replace("calendar.holidays", "holidays"),
                               "holidays") from None
    with uow.write() as conn:
        row = store.calendar_by_key(conn, key, lock=uow.locks_rows)
        if row is None:
            raise _no_calendar(key)
        added = sorted(set(new) - row.calendar.holidays)
        if not added:
            return HolidaysAdded(CalendarView(row.key, row.calendar), [], 0)
        data = {**row.calendar.as_dict(),
                "holidays": [d.isoformat() for d in sorted(row.calendar.holidays | set(new))]}
        calendar = _parse(data)
        now = clock.now()
        store.save_calendar(conn, row.id, calendar, now)
        revised = agreements.revise_calendar(conn, row.id, calendar, actor, now)
        return HolidaysAdded(CalendarView(row.key, calendar), added, revised)
