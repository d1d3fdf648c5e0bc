"""Use cases on people's availability: working hours per week and absences (date ranges).

Who may: the person themself, an admin, or a Service Delivery Manager of a service the
person is a member of (`Action.MANAGE_AVAILABILITY`); and to see them, anyone who shares a
service with the person (`Action.SEE_CAPACITY`). Anyone else is told there is no such user,
so nobody learns of the absences of someone they do not work with. Every change is an event
in each service the person is a member of: their capacity changes there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.items import check_due_date, check_text
from flowdesk.domain.people import USERNAME, Actor
from flowdesk.domain.policy import Action, authorize_on_person
from flowdesk.domain.skills import Absence
from flowdesk.services.capacity import DEFAULT_HOURS
from flowdesk.storage import accounts
from flowdesk.storage import capacity as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

HOURS_MAX = 168  # hours in a week
REASON_MAX = 200


@dataclass(frozen=True)
class Availability:
    username: str
    display_name: str
    hours_per_week: float
    hours_set: bool  # False: the default, DEFAULT_HOURS
    absences: list[store.AbsenceRow]  # earliest first


@dataclass(frozen=True)
class _Person:
    user: accounts.UserRow
    services: list[store.ServiceRow]


def _person(conn: Connection, actor: Actor, username: str, action: Action,
            now: datetime) -> _Person:
    """The active user with this name, once the actor may take `action` on them."""
    name = username.strip().lower()
    shown = repr(username) if "\x00" in username else f"'{username[:80]}'"
    hidden = NotFound(f"no user named {shown}", "username")
    user = accounts.find_user(conn, name) if USERNAME.match(name) else None
    if user is None or not user.active:
        raise hidden
    services = store.services_of_user(conn, user.id, now)
    authorize_on_person(actor, action, user.username, [s.id for s in services], hidden=hidden)
    return _Person(user, services)


def _view(conn: Connection, user: accounts.UserRow) -> Availability:
    hours = store.hours_of(conn, [user.id])
    return Availability(user.username, user.display_name, hours.get(user.id, DEFAULT_HOURS),
                        user.id in hours, store.absences_of(conn, [user.id]).get(user.id, []))


def get_availability(uow: UnitOfWork, clock: Clock, actor: Actor,
                     username: str) -> Availability:
    """The person's working hours and absences."""
    with uow.read() as conn:
        person = _person(conn, actor, username, Action.SEE_CAPACITY, clock.now())
        return _view(conn, person.user)


def check_hours(hours: float, field: str = "hours_per_week") -> float:
    """Working hours per week: more than 0 and at most 168 (someone who does not work for
    a while is absent; see `add_absence`)."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not (
            math.isfinite(hours) and 0 < hours <= HOURS_MAX):
        raise InvalidInput(f"{field} must be more than 0 and at most {HOURS_MAX} (the hours "
                           f"in a week), not {hours!r}; record time off as an absence", field)
    return float(hours)


def set_hours(uow: UnitOfWork, clock: Clock, actor: Actor, username: str,
              hours: float) -> Availability:
    """Set the person's working hours per week."""
    now = clock.now()
    with uow.write() as conn:
        person = _person(conn, actor, username, Action.MANAGE_AVAILABILITY, now)
        value = check_hours(hours)
        before = store.hours_of(conn, [person.user.id]).get(person.user.id)
        store.set_hours(conn, person.user.id, value)
        _record(conn, person, "hours_changed", now, actor,
                {"hours_per_week": value, "old_hours_per_week": before})
        return _view(conn, person.user)


def add_absence(uow: UnitOfWork, clock: Clock, actor: Actor, username: str, starts_on: date,
                ends_on: date, reason: str = "") -> store.AbsenceRow:
    """Record that the person is away from `starts_on` to `ends_on`, both days included."""
    now = clock.now()
    with uow.write() as conn:
        person = _person(conn, actor, username, Action.MANAGE_AVAILABILITY, now)
        check_due_date(starts_on, "starts_on")
        check_due_date(ends_on, "ends_on")
        Absence(person.user.username, starts_on, ends_on)  # refuses an end before the start
        text = check_text(reason, "reason", REASON_MAX)
        row = store.insert_absence(conn, user_id=person.user.id, starts_on=starts_on,
                                   ends_on=ends_on, reason=text, added_by=actor.username,
                                   now=now)
        _record(conn, person, "absence_added", now, actor, _dates(row))
        return row


def remove_absence(uow: UnitOfWork, clock: Clock, actor: Actor, username: str,
                   absence_id: int) -> None:
    """Remove one of the person's absences (a plan that changed)."""
    now = clock.now()
    with uow.write() as conn:
        person = _person(conn, actor, username, Action.MANAGE_AVAILABILITY, now)
        row = store.find_absence(conn, absence_id)
        if row is None or row.user_id != person.user.id:
            raise NotFound(f"{person.user.username} has no absence {absence_id}", "absence_id")
        store.delete_absence(conn, absence_id)
        _record(conn, person, "absence_removed", now, actor, _dates(row))


def _dates(row: store.AbsenceRow) -> dict[str, object]:
    """An absence in an event: its dates, not its reason (the log is read more widely)."""
    return {"absence_id": row.id, "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat()}


def _record(conn: Connection, person: _Person, kind: str, now: datetime, actor: Actor,
            payload: dict[str, object]) -> None:
    """The change as an event in each of the person's services, in id order (each event
    takes its service's counter lock: one order for all keeps them from deadlocking)."""
    for service in sorted(person.services, key=lambda s: s.id):
        repo.append_event(conn, service_id=service.id, item_id=None, kind=kind, at=now,
                          actor=actor.username,
                          payload={"username": person.user.username, **payload})
