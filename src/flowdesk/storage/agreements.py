"""The customer registry, business calendars and agreement versions, as rows and back.

Agreement versions never change once written (but for the moment a newer one replaces
them), so each process keeps the versions it has parsed by (agreement id, version), for
good: creating an item reads only which versions are current, in one indexed query.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, or_, select, update

from flowdesk.domain.agreements import Agreement, Target, TargetUnit
from flowdesk.domain.calendars import Calendar, parse_calendar
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.customers import Contact, Customer, match_text
from flowdesk.storage.repository import inserted_id
from flowdesk.storage.tables import (
    agreement_versions,
    agreements,
    calendars,
    customer_contacts,
    customers,
)

# --- customers -----------------------------------------------------------------------------

_FIND_CUSTOMER = (
    select(customers.c.id, customers.c.key)
    .where(or_(customers.c.key == bindparam("b_text"),
               customers.c.match_name == bindparam("b_text")))
    .order_by((customers.c.key == bindparam("b_text")).desc(), customers.c.id)
    .limit(1)
)


@dataclass(frozen=True)
class CustomerRef:
    id: int
    key: str


def find_customer(conn: Connection, text: str) -> CustomerRef | None:
    """The registry entry an item's customer text names, by key or by name (trimmed,
    case-folded; a key wins over another customer's name), or None."""
    wanted = match_text(text)
    if not wanted or "\x00" in wanted:
        return None
    row = conn.execute(_FIND_CUSTOMER, {"b_text": wanted}).one_or_none()
    return None if row is None else CustomerRef(int(row.id), str(row.key))


def customer_by_key(conn: Connection, key: str) -> CustomerRef | None:
    wanted = key.strip().lower()
    if not wanted or "\x00" in wanted:
        return None
    row = conn.execute(select(customers.c.id, customers.c.key)
                       .where(customers.c.key == wanted)).one_or_none()
    return None if row is None else CustomerRef(int(row.id), str(row.key))


def customer_keys(conn: Connection) -> set[str]:
    return {str(k) for k in conn.execute(select(customers.c.key)).scalars()}


def customer_name_taken(conn: Connection, name: str) -> str | None:
    """The key of the customer already called `name` (trimmed, case-folded), or None."""
    key = conn.execute(select(customers.c.key).where(
        customers.c.match_name == match_text(name))).scalar()
    return None if key is None else str(key)


def insert_customer(conn: Connection, key: str, name: str, contacts: Iterable[Contact],
                    now: datetime) -> int:
    customer_id = inserted_id(conn.execute(insert(customers).values(
        key=key, name=name, match_name=match_text(name), created_at=now)))
    rows = [{"customer_id": customer_id, "name": c.name, "email": c.email} for c in contacts]
    if rows:
        conn.execute(insert(customer_contacts), rows)
    return customer_id


def list_customers(conn: Connection) -> list[Customer]:
    """Every customer, by key, with their contacts (two queries)."""
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for c in conn.execute(select(customer_contacts).order_by(customer_contacts.c.id)):
        contacts[int(c.customer_id)].append(Contact(c.name, c.email))
    return [Customer(int(r.id), r.key, r.name, tuple(contacts.get(int(r.id), ())))
            for r in conn.execute(select(customers).order_by(customers.c.key))]


def customer_keys_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {int(r.id): str(r.key) for r in conn.execute(
        select(customers.c.id, customers.c.key).where(customers.c.id.in_(wanted)))}


# --- calendars -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarRow:
    id: int
    key: str
    calendar: Calendar
    updated_at: datetime


def _calendar_from_row(row: Row[Any]) -> CalendarRow:
    calendar = parse_calendar({
        "name": row.name, "timezone": row.timezone, "working_days": list(row.working_days),
        "working_hours": [_clock(row.opens), _clock(row.closes)],
        "holidays": list(row.holidays)})
    return CalendarRow(int(row.id), row.key, calendar, row.updated_at)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def calendar_values(calendar: Calendar) -> dict[str, Any]:
    data = calendar.as_dict()
    return {"name": calendar.name, "timezone": calendar.timezone,
            "working_days": data["working_days"], "opens": calendar.opens,
            "closes": calendar.closes, "holidays": data["holidays"]}


def calendar_by_key(conn: Connection, key: str, *, lock: bool = False) -> CalendarRow | None:
    wanted = key.strip().lower()
    if not wanted or "\x00" in wanted:
        return None
    query = select(calendars).where(calendars.c.key == wanted)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    return None if row is None else _calendar_from_row(row)


def calendar_keys_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {int(r.id): str(r.key) for r in conn.execute(
        select(calendars.c.id, calendars.c.key).where(calendars.c.id.in_(wanted)))}


def insert_calendar(conn: Connection, key: str, calendar: Calendar, now: datetime) -> int:
    return inserted_id(conn.execute(insert(calendars).values(
        key=key, created_at=now, updated_at=now, **calendar_values(calendar))))


def save_calendar(conn: Connection, calendar_id: int, calendar: Calendar,
                  now: datetime) -> None:
    conn.execute(update(calendars).where(calendars.c.id == calendar_id)
                 .values(updated_at=now, **calendar_values(calendar)))


def list_calendars(conn: Connection) -> list[CalendarRow]:
    return [_calendar_from_row(r)
            for r in conn.execute(select(calendars).order_by(calendars.c.key))]


# --- agreements ----------------------------------------------------------------------------

VERSION_CACHE_SIZE = 4096
VersionKey = tuple[int, int, str]  # (agreement id, version, the row's token)
_VERSIONS: dict[VersionKey, Agreement] = {}
# Which versions are current, in one query: the service's agreements in force (by index) and
# their current versions (by primary key), with the tokens that name them in the cache.
_CURRENT = (
    select(agreement_versions.c.agreement_id, agreement_versions.c.version,
           agreement_versions.c.token)
    .join(agreements, (agreements.c.id == agreement_versions.c.agreement_id)
          & (agreements.c.version == agreement_versions.c.version))
    .where(agreements.c.retired_at.is_(None))
    .order_by(agreement_versions.c.agreement_id)
)
_VERSION_ROWS = (
    select(agreement_versions, agreements.c.service_id, customers.c.key.label("customer_key"))
    .join(agreements, agreements.c.id == agreement_versions.c.agreement_id)
    .outerjoin(customers, customers.c.id == agreement_versions.c.customer_id)
)


@dataclass(frozen=True)
class VersionRow:
    """One stored version: the agreement, and what the domain object does not hold."""

    agreement: Agreement
    customer_id: int | None
    calendar_id: int | None
    created_by: str
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class AgreementRow:
    id: int
    service_id: int
    version: int
    created_at: datetime
    retired_at: datetime | None


def target_values(target: Target) -> dict[str, Any]:
    return {"value": target.value, "unit": target.unit.value, "share": target.share}


def _time_text(value: time | None) -> str | None:
    return None if value is None else f"{value:%H:%M}"


def _time(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


def _key(row: Row[Any]) -> VersionKey:
    return int(row.agreement_id), int(row.version), str(row.token)


def _agreement(row: Row[Any]) -> Agreement:
    key = _key(row)
    found = _VERSIONS.get(key)
    if found is not None:
        return found
    target = row.target
    agreement = Agreement(
        id=key[0], version=key[1], service_id=int(row.service_id),
        calendar=parse_calendar(row.calendar),
        target=Target(target["value"], TargetUnit(target["unit"]), target["share"]),
        name=row.name, customer=row.customer_key,
        cos=None if row.cos is None else ClassOfService(row.cos),
        cut_off=_time(row.cut_off), due_by=_time(row.due_by),
    )
    if len(_VERSIONS) >= VERSION_CACHE_SIZE:
        _VERSIONS.clear()  # agreements are few: a full cache is versions long replaced
    _VERSIONS[key] = agreement
    return agreement


def _version_row(row: Row[Any]) -> VersionRow:
    return VersionRow(_agreement(row), row.customer_id, row.calendar_id, row.created_by,
                      row.created_at, row.retired_at)


def current_agreements(conn: Connection, service_id: int) -> list[Agreement]:
    """The latest version of each of the service's agreements in force: one indexed query,
    and one more for versions this process has not parsed yet (once per change)."""
    return current_agreements_of(conn, [service_id])[service_id]


def current_agreements_of(conn: Connection, service_ids: Iterable[int]
                          ) -> dict[int, list[Agreement]]:
    """`current_agreements` of several services at once, in as many queries."""
    ids = sorted(set(service_ids))
    found: dict[int, list[Agreement]] = {i: [] for i in ids}
    if not ids:
        return found
    current = [(int(i), int(v), str(t)) for i, v, t in conn.execute(
        _CURRENT.where(agreements.c.service_id.in_(ids)))]
    missing = {k for k in current if k not in _VERSIONS}
    if missing:
        for row in conn.execute(_VERSION_ROWS.where(
                agreement_versions.c.agreement_id.in_(sorted({k[0] for k in missing})))):
            if _key(row) in missing:
                _agreement(row)
    for k in current:
        agreement = _VERSIONS[k]
        found[agreement.service_id].append(agreement)
    return found


def agreement_versions_of(conn: Connection, pairs: Iterable[tuple[int, int]]
                          ) -> dict[tuple[int, int], Agreement]:
    """These versions, by (id, version), in one query (parsed once per process)."""
    wanted = set(pairs)
    found: dict[tuple[int, int], Agreement] = {}
    if not wanted:
        return found
    for row in conn.execute(_VERSION_ROWS.where(agreement_versions.c.agreement_id.in_(
            sorted({i for i, _ in wanted})))):
        if (int(row.agreement_id), int(row.version)) in wanted:
            found[(int(row.agreement_id), int(row.version))] = _agreement(row)
    return found


def agreement_version(conn: Connection, agreement_id: int, version: int) -> Agreement | None:
    """One version, or None."""
    return agreement_versions_of(conn, [(agreement_id, version)]).get((agreement_id, version))


def agreement_row(conn: Connection, agreement_id: int, *, lock: bool = False
                  ) -> AgreementRow | None:
    query = select(agreements).where(agreements.c.id == agreement_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    if row is None:
        return None
    return AgreementRow(int(row.id), int(row.service_id), int(row.version), row.created_at,
                        row.retired_at)


def agreement_rows(conn: Connection, service_id: int) -> list[AgreementRow]:
    return [AgreementRow(int(r.id), int(r.service_id), int(r.version), r.created_at,
                         r.retired_at)
            for r in conn.execute(select(agreements).where(agreements.c.service_id == service_id)
                                  .order_by(agreements.c.id))]


def versions(conn: Connection, agreement_ids: Iterable[int]) -> dict[int, list[VersionRow]]:
    """Every version of these agreements, oldest first, by agreement id."""
    wanted = sorted(set(agreement_ids))
    found: dict[int, list[VersionRow]] = defaultdict(list)
    if not wanted:
        return found
    for row in conn.execute(_VERSION_ROWS.where(agreement_versions.c.agreement_id.in_(wanted))
                            .order_by(agreement_versions.c.agreement_id,
                                      agreement_versions.c.version)):
        found[int(row.agreement_id)].append(_version_row(row))
    return found


def insert_agreement(conn: Connection, service_id: int, now: datetime) -> int:
    return inserted_id(conn.execute(insert(agreements).values(
        service_id=service_id, version=1, created_at=now)))


def insert_version(conn: Connection, agreement: Agreement, *, customer_id: int | None,
                   calendar_id: int | None, actor: str, now: datetime) -> None:
    """Write a new version and make it the agreement's current one; the version it replaces
    ends now."""
    conn.execute(update(agreement_versions).where(
        agreement_versions.c.agreement_id == agreement.id,
        agreement_versions.c.retired_at.is_(None)).values(retired_at=now))
    conn.execute(insert(agreement_versions).values(
        agreement_id=agreement.id, version=agreement.version, token=uuid.uuid4().hex,
        name=agreement.name,
        customer_id=customer_id, cos=None if agreement.cos is None else agreement.cos.value,
        calendar_id=calendar_id, calendar=agreement.calendar.as_dict(),
        target=target_values(agreement.target), cut_off=_time_text(agreement.cut_off),
        due_by=_time_text(agreement.due_by), created_by=actor, created_at=now))
    conn.execute(update(agreements).where(agreements.c.id == agreement.id)
                 .values(version=agreement.version))


def retire(conn: Connection, agreement_id: int, now: datetime) -> None:
    conn.execute(update(agreement_versions).where(
        agreement_versions.c.agreement_id == agreement_id,
        agreement_versions.c.retired_at.is_(None)).values(retired_at=now))
    conn.execute(update(agreements).where(agreements.c.id == agreement_id)
                 .values(retired_at=now))


def agreements_using_calendar(conn: Connection, calendar_id: int) -> list[AgreementRow]:
    """The agreements in force whose current version takes its calendar from this one."""
    rows = conn.execute(
        select(agreements)
        .join(agreement_versions, (agreement_versions.c.agreement_id == agreements.c.id)
              & (agreement_versions.c.version == agreements.c.version))
        .where(agreements.c.retired_at.is_(None),
               agreement_versions.c.calendar_id == calendar_id)
        .order_by(agreements.c.service_id, agreements.c.id))
    return [AgreementRow(int(r.id), int(r.service_id), int(r.version), r.created_at,
                         r.retired_at) for r in rows]


def holidays_text(days: Iterable[date]) -> list[str]:
    return [d.isoformat() for d in sorted(set(days))]
