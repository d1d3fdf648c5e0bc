"""What each item of a service was promised, for measuring attainment and missed promises.

An item that arrived under a customer agreement is held to that agreement version's target
and measured by its stored `due_at` (the agreement's calendar made it, in working time
where the target counts working hours or days). Any other item is held to the service's
configured target for its class of service, or for the whole service
(`flowdesk.domain.service_levels`), in calendar days of lead time. An item with neither has
no target. The due instant of an item without an agreement is the end of its due date, in
the service's zone (a fixed-date item), if it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from flowdesk.analytics import Flow
from flowdesk.analytics.promises import Promises, Target
from flowdesk.analytics.timezones import to_us
from flowdesk.domain.agreements import Agreement
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.service_levels import ServiceLevelTarget, target_for
from flowdesk.services.flow_data import FlowData
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import service_levels as store


@dataclass(frozen=True)
class Terms:
    """The agreement versions the service's items arrived under, and its own targets."""

    agreements: dict[tuple[int, int], Agreement]
    targets: list[ServiceLevelTarget]


def read_terms(conn: Connection, data: FlowData) -> Terms:
    """Two indexed queries: the versions items refer to, and the service's targets."""
    versions = agreement_store.agreement_versions_of(conn, set(data.agreements.values()))
    return Terms(versions, store.targets_of(conn, data.service.id))


def scope_of(agreement: Agreement) -> str:
    if agreement.customer and agreement.cos:
        return f"customer {agreement.customer}, class {agreement.cos.value}"
    if agreement.customer:
        return f"customer {agreement.customer}"
    if agreement.cos:
        return f"class {agreement.cos.value}"
    return "the whole service"


def _agreement_target(agreement: Agreement) -> Target:
    about: dict[str, Any] = {
        "source": "agreement",
        "agreement": {"id": agreement.id, "version": agreement.version},
        "name": agreement.name, "scope": scope_of(agreement),
        "value": agreement.target.value, "unit": agreement.target.unit.value,
        "class_of_service": None if agreement.cos is None else agreement.cos.value,
        "customer": agreement.customer,
        "measured": "delivered by the due time the agreement set at arrival",
    }
    return Target(str(agreement.target), agreement.target.share, about)


def _level_target(target: ServiceLevelTarget) -> Target:
    about: dict[str, Any] = {
        "source": "service_level", "agreement": None,
        "scope": f"class {target.cos.value}" if target.cos else "the whole service",
        "value": target.days, "unit": "calendar_days",
        "class_of_service": None if target.cos is None else target.cos.value,
        "customer": None,
        "measured": "lead time in calendar days, commitment day to delivery day",
    }
    return Target(f"{target} of commitment", target.share, about)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The local midnight that ends `day`: a due date is overdue from then."""
    return datetime.combine(day + timedelta(days=1), time(), zone)


def promises_of(flow: Flow, data: FlowData, terms: Terms) -> Promises:
    """The target and due instant of each item of `flow`."""
    zone = ZoneInfo(data.service.timezone)
    targets: list[Target] = []
    index: dict[object, int] = {}

    def place(key: object, make: Target) -> int:
        if key not in index:
            index[key] = len(targets)
            targets.append(make)
        return index[key]

    classes = flow.timeline.attributes["class_of_service"]
    by_key: dict[str, tuple[int, int | None, int]] = {}
    for code, name in enumerate(flow.timeline.items.tolist()):
        key = str(name)
        pair = data.agreements.get(key)
        agreement = None if pair is None else terms.agreements.get(pair)
        due_at = data.due_at.get(key)
        if agreement is not None and due_at is not None:
            by_key[key] = (place(pair, _agreement_target(agreement)), to_us(due_at), 0)
            continue
        due_date = data.due_dates.get(key)
        due = None if due_date is None else to_us(end_of_day(due_date, zone))
        cos = _class(classes.value_of(code))
        level = None if cos is None else target_for(terms.targets, cos)
        if level is None:
            by_key[key] = (-1, due, 0)
        else:
            by_key[key] = (place(("level", level.cos), _level_target(level)), due, level.days)
    return Promises.of(flow, targets, by_key)


def _class(value: object) -> ClassOfService | None:
    try:
        return ClassOfService(str(value))
    except ValueError:
        return None
