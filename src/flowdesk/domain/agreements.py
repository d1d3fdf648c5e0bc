"""Customer agreements: a service-level promise, its target, and which one applies.

An :class:`Agreement` is one version of a promise made for a service, optionally narrowed
to one customer and/or one class of service. It is immutable: editing makes the next
version (:meth:`Agreement.revised`) with the same id, and an item keeps the version it
arrived under, so a due date once computed never moves.

Which agreement applies to an item (:func:`select_agreement`): the most specific match,

    customer + class  >  customer  >  class  >  service-wide

A customer outranks a class of service because a customer agreement is a promise made to
someone outside, which must hold whatever class their requests are given, while a class
agreement is the service's own default for that kind of work. Two agreements of the same
service with the same scope (same customer, same class) would both claim the same items;
:func:`check_no_overlap` refuses the second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from enum import StrEnum
from typing import Any

from flowdesk.domain.calendars import Calendar, format_clock, parse_calendar, parse_clock
from flowdesk.domain.classes import ClassOfService, parse_optional_class
from flowdesk.domain.errors import Conflict, InvalidInput

#: Upper bounds keep a typo (2000 instead of 20) from promising years ahead.
MAX_HOURS = 10_000
MAX_DAYS = 1_000
NAME_MAX = 120
CUSTOMER_MAX = 120


class TargetUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Target:
    """"`share` of requests are done within `value` `unit`", e.g. 85% within 2 working days.

    Working hours may be fractional, to the whole minute (1.5 is 1 h 30 min); days are
    whole numbers. See :mod:`flowdesk.domain.entitlement` for how each unit gives a date.
    """

    value: int | float
    unit: TargetUnit
    share: float

    def __post_init__(self) -> None:
        value = self.value
        if not _is_number(value) or not math.isfinite(value) or value <= 0:
            raise InvalidInput(f"target.value: {value!r} is not a positive number",
                               "target.value")
        if self.unit is TargetUnit.WORKING_HOURS:
            minutes = value * 60
            if abs(minutes - round(minutes)) > 1e-6 or round(minutes) < 1:
                raise InvalidInput("target.value: working hours count whole minutes "
                                   "(e.g. 1.5 for 1 h 30 min)", "target.value")
            if value > MAX_HOURS:
                raise InvalidInput(f"target.value: at most {MAX_HOURS} working hours",
                                   "target.value")
        else:
            if value != int(value):
                raise InvalidInput(f"target.value: {self.unit.label} are whole days",
                                   "target.value")
            if value > MAX_DAYS:
                raise InvalidInput(f"target.value: at most {MAX_DAYS} days", "target.value")
        if value == int(value):
            object.__setattr__(self, "value", int(value))  # 2.0 days is 2 days
        share = self.share
        if not _is_number(share) or not 0 < share <= 1:
            raise InvalidInput(f"target.share: {share!r} is not a share in (0, 1], e.g. 0.85",
                               "target.share")

    @property
    def duration(self) -> timedelta:
        """Return a working-hours target as a duration, to the minute."""
        return timedelta(minutes=round(self.value * 60))

    @property
    def days(self) -> int:
        """Return a days target as a whole number."""
        return int(self.value)

    @property
    def span_text(self) -> str:
        """Return "2 working days", "1 working day", "1.5 working hours"."""
        label = self.unit.label
        return f"{self.value:g} {label[:-1] if self.value == 1 else label}"

    def __str__(self) -> str:
        return f"{self.share * 100:g}% within {self.span_text}"


def parse_target(data: Mapping[str, object]) -> Target:
    """Return the Target in ``{"value": 2, "unit": "working_days", "share": 0.85}``."""
    if not isinstance(data, Mapping):
        raise InvalidInput("target: give an object with value, unit and share", "target")
    unit = data.get("unit")
    try:
        parsed_unit = TargetUnit(unit if isinstance(unit, str) else "")
    except ValueError:
        allowed = ", ".join(u.value for u in TargetUnit)
        raise InvalidInput(f"target.unit: {unit!r} is not one of {allowed}",
                           "target.unit") from None
    if "share" not in data:
        raise InvalidInput("target.share: give the share that should meet the target, "
                           "e.g. 0.85", "target.share")
    return Target(value=data.get("value"), unit=parsed_unit,  # type: ignore[arg-type]
                  share=data["share"])  # type: ignore[arg-type]


def parse_cut_off(text: object, field: str = "cut_off") -> time:
    """Return a cut-off "HH:MM" (00:00-23:59) as a time, or raise InvalidInput(field)."""
    minutes = parse_clock(text, field)
    return time(minutes // 60, minutes % 60)


def parse_due_by(text: object) -> time:
    """Return the time of day a request is due on its due day ("HH:MM")."""
    return parse_cut_off(text, "due_by")


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


@dataclass(frozen=True)
class Agreement:
    """One version of a service-level promise.

    `customer` None (or blank) means any customer; `cos` None means any class. `cut_off`
    (day targets only) decides which day counts as day 1: a request whose local arrival
    minute is at or before it on a working day counts that day, a later one (or one on a
    day off) counts from the next working day; it is then due at `due_by` (default: the
    calendar's closing time) on its last day. The calendar is part of the version.
    """

    id: int
    version: int
    service_id: int
    calendar: Calendar
    target: Target
    name: str = ""
    customer: str | None = None
    cos: ClassOfService | None = None
    cut_off: time | None = None
    due_by: time | None = None

    def __post_init__(self) -> None:
        if self.version < 1:
            raise InvalidInput("version: versions start at 1", "version")
        customer = (self.customer or "").strip() or None
        object.__setattr__(self, "customer", customer)
        if customer is not None and len(customer) > CUSTOMER_MAX:
            raise InvalidInput(f"customer: at most {CUSTOMER_MAX} characters", "customer")
        if len(self.name) > NAME_MAX:
            raise InvalidInput(f"name: at most {NAME_MAX} characters", "name")
        self._check_cut_off()

    def _check_cut_off(self) -> None:
        if self.cut_off is None:
            if self.due_by is not None:
                raise InvalidInput("due_by: a due time needs a cut-off", "due_by")
            return
        if self.target.unit is TargetUnit.WORKING_HOURS:
            raise InvalidInput("cut_off: a cut-off applies to working_days or calendar_days "
                               "targets; working hours already count from the arrival",
                               "cut_off")
        cut_off = _minutes(self.cut_off)
        if self.due_by is not None and _minutes(self.due_by) < cut_off:
            raise InvalidInput(f"due_by: {self.due_by:%H:%M} is before the cut-off "
                               f"{self.cut_off:%H:%M}", "due_by")
        if self.due_by is None and cut_off > self.calendar.closes:
            raise InvalidInput(
                f"cut_off: {self.cut_off:%H:%M} is after closing time "
                f"({format_clock(self.calendar.closes)}): a request in time would be due "
                f"before it arrived", "cut_off")

    @property
    def customer_key(self) -> str | None:
        """Return the customer as matched: trimmed and case-folded."""
        return self.customer.casefold() if self.customer else None

    @property
    def scope(self) -> tuple[str | None, ClassOfService | None]:
        return self.customer_key, self.cos

    @property
    def specificity(self) -> int:
        """Return 3 for customer + class, 2 for customer, 1 for class, 0 for service-wide."""
        return 2 * (self.customer is not None) + (self.cos is not None)

    def matches(self, customer: str, cos: ClassOfService) -> bool:
        """Return True when this agreement covers an item of `customer` and class `cos`."""
        if self.customer_key is not None and self.customer_key != customer.strip().casefold():
            return False
        return self.cos is None or self.cos == cos

    def revised(self, **changes: Any) -> Agreement:
        """Return the next version with `changes`; this version stays as it was."""
        return replace(self, version=self.version + 1, **changes)


def _latest(agreements: Iterable[Agreement]) -> list[Agreement]:
    """Keep the highest version of each agreement id."""
    latest: dict[int, Agreement] = {}
    for a in agreements:
        if a.id not in latest or a.version > latest[a.id].version:
            latest[a.id] = a
    return list(latest.values())


def select_agreement(agreements: Iterable[Agreement], service_id: int, customer: str,
                     cos: ClassOfService) -> Agreement | None:
    """Return the agreement that applies to an item, or None.

    Only the latest version of each id takes part. Among those of `service_id` that match,
    the most specific wins; ties (which :func:`check_no_overlap` prevents) go to the lowest id.
    """
    matching = [a for a in _latest(agreements)
                if a.service_id == service_id and a.matches(customer, cos)]
    if not matching:
        return None
    return min(matching, key=lambda a: (-a.specificity, a.id))


def service_calendar(agreements: Iterable[Agreement]) -> Calendar | None:
    """Return the calendar the service as a whole works to, or None when it has none.

    That is the calendar of its service-wide agreement (no customer, no class) when there
    is one; otherwise the one calendar all its agreements share. Demand sensing leaves its
    holidays out of the usual inflow and counts its working days.
    """
    latest = _latest(agreements)
    for agreement in latest:
        if agreement.specificity == 0:
            return agreement.calendar
    calendars = {a.calendar for a in latest}
    return calendars.pop() if len(calendars) == 1 else None


def _scope_text(agreement: Agreement) -> str:
    if agreement.customer and agreement.cos:
        return f"customer '{agreement.customer}' in class {agreement.cos.value}"
    if agreement.customer:
        return f"customer '{agreement.customer}'"
    if agreement.cos:
        return f"class {agreement.cos.value}"
    return "the whole service"


def check_no_overlap(existing: Iterable[Agreement], new: Agreement) -> None:
    """Raise Conflict if another agreement of the service has the same scope as `new`.

    Versions of `new` itself (same id) are not a clash. The error names `customer` when
    the agreement has one, else `class_of_service`, else `service`.
    """
    for other in _latest(existing):
        if other.id != new.id and other.service_id == new.service_id \
                and other.scope == new.scope:
            field = "customer" if new.customer else "class_of_service" if new.cos else "service"
            label = f"'{other.name}' (id {other.id})" if other.name else f"id {other.id}"
            raise Conflict(f"{field}: agreement {label} already covers {_scope_text(new)}; "
                           "edit it instead", field)


_AGREEMENT_KEYS = frozenset({"name", "customer", "class_of_service", "calendar", "target",
                             "cut_off", "due_by"})


def parse_agreement(data: Mapping[str, object], *, id: int, version: int,
                    service_id: int) -> Agreement:
    """Return an Agreement from the API's shape, or raise InvalidInput naming the field.

    ``{"name": ..., "customer": "ACME" | null, "class_of_service": "expedite" | null,
    "calendar": {...}, "target": {...}, "cut_off": "12:00" | null, "due_by": "16:00" | null}``
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("agreement: give an object", "agreement")
    unknown = sorted(str(k) for k in data if k not in _AGREEMENT_KEYS)
    if unknown:
        raise InvalidInput(f"agreement: unknown field {unknown[0]!r}", unknown[0])
    name, customer = data.get("name", ""), data.get("customer")
    if not isinstance(name, str):
        raise InvalidInput("name: give a text", "name")
    if customer is not None and not isinstance(customer, str):
        raise InvalidInput("customer: give a text or null", "customer")
    cos_value = data.get("class_of_service")
    cos = parse_optional_class(cos_value)
    calendar, target = data.get("calendar"), data.get("target")
    if not isinstance(calendar, Mapping):
        raise InvalidInput("calendar: give an object", "calendar")
    if not isinstance(target, Mapping):
        raise InvalidInput("target: give an object with value, unit and share", "target")
    cut_off, due_by = data.get("cut_off"), data.get("due_by")
    return Agreement(
        id=id, version=version, service_id=service_id, name=name.strip(),
        calendar=parse_calendar(calendar), target=parse_target(target),
        customer=customer, cos=cos,
        cut_off=None if cut_off is None else parse_cut_off(cut_off),
        due_by=None if due_by is None else parse_due_by(due_by),
    )
