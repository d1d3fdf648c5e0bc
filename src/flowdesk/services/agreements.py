"""Customer agreements of a service: create, list, read with their versions, change (a new
version) and retire; and what an arriving item is entitled to.

An agreement names its customer by the registry's key and its calendar by a registry
calendar's key or inline (`flowdesk.domain.calendars.parse_calendar`); each version keeps
a snapshot of its calendar. Changing an agreement writes its next version and leaves the
earlier ones as they were: items keep the version they arrived under. Every change is an
event in the service's log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from flowdesk.domain.agreements import (
    Agreement,
    check_no_overlap,
    parse_agreement,
    select_agreement,
)
from flowdesk.domain.calendars import Calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import Clock
from flowdesk.domain.entitlement import Entitlement, entitle
from flowdesk.domain.errors import Conflict, InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.services.queries import readable_service_id
from flowdesk.storage import agreements as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

AGREEMENTS_MAX = 200  # per service: more is a mistake (one per customer and class at most)


@dataclass(frozen=True)
class VersionView:
    agreement: Agreement
    calendar_key: str | None  # the registry calendar it was taken from; None: inline
    created_by: str
    created_at: datetime
    retired_at: datetime | None  # when a newer version (or the retirement) replaced it


@dataclass(frozen=True)
class AgreementView:
    id: int
    service_key: str
    version: int
    created_at: datetime
    retired_at: datetime | None
    versions: list[VersionView]  # oldest first

    @property
    def current(self) -> VersionView:
        return self.versions[-1]


# --- reading -------------------------------------------------------------------------------

def list_agreements(uow: UnitOfWork, actor: Actor, key: str) -> list[AgreementView]:
    """The service's agreements (retired ones too), each with its versions."""
    with uow.read() as conn:
        service_id = readable_service_id(conn, actor, key)
        service = repo.load_service(conn, service_id)
        return _views(conn, service.key, store.agreement_rows(conn, service_id))


def get_agreement(uow: UnitOfWork, actor: Actor, key: str, agreement_id: int) -> AgreementView:
    with uow.read() as conn:
        service_id = readable_service_id(conn, actor, key)
        row = _row_of(conn, service_id, agreement_id)
        service = repo.load_service(conn, service_id)
        return _views(conn, service.key, [row])[0]


def _views(conn: Connection, service_key: str, rows: list[store.AgreementRow]
           ) -> list[AgreementView]:
    found = store.versions(conn, [r.id for r in rows])
    calendar_keys = store.calendar_keys_by_id(
        conn, [v.calendar_id for vs in found.values() for v in vs if v.calendar_id])
    return [AgreementView(
        r.id, service_key, r.version, r.created_at, r.retired_at,
        [VersionView(v.agreement, calendar_keys.get(v.calendar_id) if v.calendar_id else None,
                     v.created_by, v.created_at, v.retired_at) for v in found[r.id]],
    ) for r in rows]


def _row_of(conn: Connection, service_id: int, agreement_id: int, *,
            lock: bool = False) -> store.AgreementRow:
    row = store.agreement_row(conn, agreement_id, lock=lock)
    if row is None or row.service_id != service_id:
        raise NotFound(f"no agreement {agreement_id} in this service", field="agreement_id")
    return row


# --- writing -------------------------------------------------------------------------------

def create_agreement(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                     body: Mapping[str, Any]) -> AgreementView:
    """A new agreement (version 1). Refused, naming the field, for bad input, an unknown
    customer or calendar, or a second agreement with the same customer and class."""
    _check_no_nul(body, "")
    with uow.write() as conn:
        service_id = _managed_service(uow, conn, actor, key)
        agreement, customer_id, calendar_id = _parse(conn, body, 0, 1, service_id)
        current = store.current_agreements(conn, service_id)
        if len(current) >= AGREEMENTS_MAX:
            raise InvalidInput(f"a service has at most {AGREEMENTS_MAX} agreements in force",
                               "customer")
        _no_overlap(current, agreement)
        now = clock.now()
        agreement = replace(agreement, id=store.insert_agreement(conn, service_id, now))
        store.insert_version(conn, agreement, customer_id=customer_id, calendar_id=calendar_id,
                             actor=actor.username, now=now)
        _event(conn, "agreement_created", agreement, actor, now)
        service = repo.load_service(conn, service_id)
        return _views(conn, service.key, [_row_of(conn, service_id, agreement.id)])[0]


def change_agreement(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, agreement_id: int,
                     body: Mapping[str, Any]) -> AgreementView:
    """The agreement's next version, as `body` describes it in full. Items keep the version
    they arrived under."""
    _check_no_nul(body, "")
    with uow.write() as conn:
        service_id = _managed_service(uow, conn, actor, key)
        row = _row_of(conn, service_id, agreement_id, lock=uow.locks_rows)
        if row.retired_at is not None:
            raise Conflict(f"agreement {agreement_id} is retired; create a new one",
                           "agreement_id")
        agreement, customer_id, calendar_id = _parse(conn, body, agreement_id,
                                                     row.version + 1, service_id)
        _no_overlap(store.current_agreements(conn, service_id), agreement)
        now = clock.now()
        store.insert_version(conn, agreement, customer_id=customer_id, calendar_id=calendar_id,
                             actor=actor.username, now=now)
        _event(conn, "agreement_changed", agreement, actor, now)
        service = repo.load_service(conn, service_id)
        return _views(conn, service.key, [_row_of(conn, service_id, agreement_id)])[0]


def retire_agreement(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                     agreement_id: int) -> AgreementView:
    """The agreement no longer applies to new items; its versions stay, as do the items'."""
    with uow.write() as conn:
        service_id = _managed_service(uow, conn, actor, key)
        row = _row_of(conn, service_id, agreement_id, lock=uow.locks_rows)
        if row.retired_at is not None:
            raise Conflict(f"agreement {agreement_id} is retired already", "agreement_id")
        now = clock.now()
        store.retire(conn, agreement_id, now)
        latest = store.agreement_version(conn, agreement_id, row.version)
        assert latest is not None
        _event(conn, "agreement_retired", latest, actor, now)
        service = repo.load_service(conn, service_id)
        return _views(conn, service.key, [_row_of(conn, service_id, agreement_id)])[0]


def revise_calendar(conn: Connection, calendar_id: int, calendar: Calendar, actor: Actor,
                    now: datetime) -> int:
    """Give every agreement in force that takes its calendar from registry calendar
    `calendar_id` a new version with the calendar as it is now (its holidays changed):
    items that arrived before keep theirs. Returns how many agreements changed."""
    rows = store.agreements_using_calendar(conn, calendar_id)
    found = store.versions(conn, [r.id for r in rows])
    for row in rows:
        latest = found[row.id][-1]
        revised = latest.agreement.revised(calendar=calendar)
        store.insert_version(conn, revised, customer_id=latest.customer_id,
                             calendar_id=calendar_id, actor=actor.username, now=now)
        _event(conn, "agreement_changed", revised, actor, now)
    return len(rows)


def _managed_service(uow: UnitOfWork, conn: Connection, actor: Actor, key: str) -> int:
    service_id = readable_service_id(conn, actor, key)
    authorize(actor, Action.SERVICE_LEVELS, service_id)
    # The service row's lock orders concurrent agreement changes: the overlap check holds.
    repo.load_service(conn, service_id, lock=uow.locks_rows)
    return service_id


def _parse(conn: Connection, body: Mapping[str, Any], agreement_id: int, version: int,
           service_id: int) -> tuple[Agreement, int | None, int | None]:
    """The agreement `body` describes, with its customer's and calendar's registry ids."""
    data = dict(body)
    customer_id = calendar_id = None
    customer = data.get("customer")
    if isinstance(customer, str):
        found = store.customer_by_key(conn, customer)
        if found is None:
            raise InvalidInput(f"customer: no customer with key {customer!r} in the registry",
                               "customer")
        data["customer"], customer_id = found.key, found.id
    calendar = data.get("calendar")
    if isinstance(calendar, str):
        row = store.calendar_by_key(conn, calendar)
        if row is None:
            raise InvalidInput(f"calendar: no calendar with key {calendar!r}", "calendar")
        data["calendar"], calendar_id = row.calendar.as_dict(), row.id
    agreement = parse_agreement(data, id=agreement_id, version=version, service_id=service_id)
    return agreement, customer_id, calendar_id


def _no_overlap(current: list[Agreement], agreement: Agreement) -> None:
    try:
        check_no_overlap(current, agreement)
    except Conflict as exc:  # the same scope twice is bad input: 422, naming the field
        raise InvalidInput(exc.message, exc.field) from None


def _check_no_nul(value: Any, where: str) -> None:
    """Refuse NUL anywhere in the body: no database stores it in text."""
    if isinstance(value, str):
        if "\x00" in value:
            field = where or "agreement"
            raise InvalidInput(f"{field} must not contain NUL characters", field)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_no_nul(v, f"{where}.{k}" if where else str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            _check_no_nul(v, where)


def scope_text(agreement: Agreement) -> str:
    """Whom the agreement covers, in words."""
    if agreement.customer and agreement.cos:
        return f"customer {agreement.customer}, class {agreement.cos.label}"
    if agreement.customer:
        return f"customer {agreement.customer}, any class"
    if agreement.cos:
        return f"class {agreement.cos.label}, any customer"
    return "the whole service"


def _event(conn: Connection, kind: str, agreement: Agreement, actor: Actor,
           now: datetime) -> None:
    repo.append_event(
        conn, service_id=agreement.service_id, item_id=None, kind=kind, at=now,
        actor=actor.username, payload={
            "agreement": agreement.id, "version": agreement.version, "name": agreement.name,
            "scope": scope_text(agreement), "target": str(agreement.target),
            "calendar": agreement.calendar.timezone,
            "cut_off": None if agreement.cut_off is None else f"{agreement.cut_off:%H:%M}"})


# --- arrival -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Arrival:
    """What an arriving item refers to and is entitled to."""

    customer_id: int | None
    entitlement: Entitlement | None


def arrival(conn: Connection, service_id: int, customer: str, cos: ClassOfService,
            arrived_at: datetime) -> Arrival:
    """The registry customer an item's customer text names, and the entitlement under the
    most specific agreement in force that covers it (customer + class > customer > class >
    service). At most two indexed queries: the customer (only when one is named) and which
    agreement versions are current."""
    found = store.find_customer(conn, customer) if customer.strip() else None
    current = store.current_agreements(conn, service_id)
    if not current:
        return Arrival(None if found is None else found.id, None)
    chosen = select_agreement(current, service_id, "" if found is None else found.key, cos)
    return Arrival(None if found is None else found.id,
                   None if chosen is None else entitle(chosen, arrived_at))


def applied_agreement(conn: Connection, agreement_id: int | None, version: int | None
                      ) -> Agreement | None:
    """The agreement version an item arrived under, or None."""
    if agreement_id is None or version is None:
        return None
    return store.agreement_version(conn, agreement_id, version)
