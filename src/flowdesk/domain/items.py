"""Work items, their blockers, and what a move does to them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from flowdesk.domain.classes import ClassOfService, ClassPolicy
from flowdesk.domain.errors import Conflict, InvalidInput, StaleVersion
from flowdesk.domain.workflow import Phase, Service, Stage

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
SHORT_TEXT_MAX = 120
REASON_MAX = 1_000


@dataclass(frozen=True)
class Blocker:
    reason: str
    category: str
    started_at: datetime
    ended_at: datetime | None = None
    started_by: str = ""  # the username of whoever raised it

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class WorkItem:
    id: int
    service_id: int
    key: str
    title: str
    stage_id: int
    rank: int
    version: int
    arrived_at: datetime
    type: str = "request"
    cos: ClassOfService = ClassOfService.STANDARD
    description: str = ""
    customer: str = ""
    due_date: date | None = None
    assignees: tuple[str, ...] = ()
    committed_at: datetime | None = None
    delivered_at: datetime | None = None
    discarded_at: datetime | None = None
    blocker: Blocker | None = field(default=None)
    # The registry customer the `customer` text names (None: free text only).
    customer_id: int | None = None
    # What the agreement that applied at arrival promised (None: no agreement applied).
    due_at: datetime | None = None
    entitlement: str = ""
    agreement_id: int | None = None
    agreement_version: int | None = None
    # Failure demand (domain/failure_demand.py): its kind, and the item it stems from.
    failure_kind: str | None = None
    stems_from_id: int | None = None
    stems_from_key: str = ""

    @property
    def is_blocked(self) -> bool:
        return self.blocker is not None and self.blocker.is_open

    def age_days(self, now: datetime) -> float | None:
        """Days since commitment (fractional), or None before commitment."""
        if self.committed_at is None:
            return None
        end = self.delivered_at or now
        return (end - self.committed_at).total_seconds() / 86_400

    def check_version(self, expected: int | None) -> None:
        """Raise StaleVersion when the caller read an older version (If-Match)."""
        if expected is not None and expected != self.version:
            raise StaleVersion(expected, self.version)


class Transition(StrEnum):
    REORDER = "reorder"
    PULL = "pull"  # across the commitment point
    FORWARD = "forward"
    BACKWARD = "backward"  # rework: back to an earlier stage, or back upstream
    DELIVER = "deliver"  # across the delivery point
    DISCARD = "discard"
    REOPEN = "reopen"  # out of done or discarded


def classify_move(from_stage: Stage, to_stage: Stage) -> Transition:
    """Name what moving from one stage to another means. Raises Conflict if not allowed."""
    if from_stage.id == to_stage.id:
        return Transition.REORDER
    if not from_stage.phase.is_open:
        if not to_stage.phase.is_open:
            raise Conflict(
                f"a {from_stage.phase.value} item must be reopened into an open stage first",
                field="to_stage",
            )
        return Transition.REOPEN
    if to_stage.phase is Phase.DONE:
        return Transition.DELIVER
    if to_stage.phase is Phase.DISCARDED:
        return Transition.DISCARD
    if from_stage.phase is Phase.UPSTREAM and to_stage.phase is Phase.COMMITTED:
        return Transition.PULL
    return Transition.FORWARD if to_stage.position > from_stage.position else Transition.BACKWARD


def apply_move(item: WorkItem, to_stage: Stage, transition: Transition, now: datetime,
               rank: int) -> WorkItem:
    """Return the item after the move, with commitment/delivery times kept as the log defines.

    Commitment is the *first* entry into the committed phase: a move back upstream does not
    reset it. Delivery is the latest entry into done; reopening clears it until the next one.
    """
    committed_at = item.committed_at
    delivered_at = item.delivered_at
    discarded_at = item.discarded_at
    if to_stage.phase is Phase.COMMITTED and committed_at is None:
        committed_at = now
    if transition is Transition.DELIVER:
        # Straight from upstream to done: commitment and delivery happen at once.
        committed_at = committed_at or now
        delivered_at = now
    elif transition is Transition.DISCARD:
        discarded_at = now
    elif transition is Transition.REOPEN:
        delivered_at = None
        discarded_at = None
    return replace(
        item,
        stage_id=to_stage.id,
        rank=rank,
        version=item.version + 1,
        committed_at=committed_at,
        delivered_at=delivered_at,
        discarded_at=discarded_at,
    )


def require_reason(reason: str | None, field_name: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(f"{what} needs a reason", field=field_name)
    check_no_nul(text, field_name)
    if len(text) > REASON_MAX:
        raise InvalidInput(f"{field_name} is longer than {REASON_MAX} characters", field=field_name)
    return text


def check_text(value: str, field_name: str, max_len: int, *, required: bool = False) -> str:
    """Trim a text field and check its length; return the clean value."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    check_no_nul(text, field_name)
    if len(text) > max_len:
        raise InvalidInput(f"{field_name} is longer than {max_len} characters", field=field_name)
    return text


def check_no_nul(text: str, field_name: str) -> None:
    """Refuse the NUL character: no database stores it in text (PostgreSQL rejects it)."""
    if "\x00" in text:
        raise InvalidInput(f"{field_name} must not contain NUL characters", field=field_name)


DUE_EARLIEST = date(1990, 1, 1)
DUE_LATEST = date(2199, 12, 31)


def check_due_date(value: date | None, field: str = "due_date") -> date | None:
    """A due date within DUE_EARLIEST..DUE_LATEST: anything further is a typo (9999-12-31),
    and would break arithmetic on it everywhere it is shown."""
    if value is not None and not DUE_EARLIEST <= value <= DUE_LATEST:
        raise InvalidInput(f"{field} must be between {DUE_EARLIEST} and {DUE_LATEST}", field)
    return value


def check_class_rules(policy: ClassPolicy, due_date: date | None) -> None:
    """A fixed-date item needs its date."""
    if policy.requires_due_date and due_date is None:
        raise InvalidInput(
            f"class of service '{policy.cos.label}' needs a due date", field="due_date"
        )


def new_blocker(service: Service, item: WorkItem, stage: Stage, reason: str | None,
                category: str | None, now: datetime, started_by: str = "") -> Blocker:
    """Validate and build a blocker for the item. One open blocker at a time."""
    text = require_reason(reason, "reason", "a blocker")
    cat = (category or "").strip()
    if cat not in service.blocker_categories:
        allowed = ", ".join(service.blocker_categories)
        raise InvalidInput(f"category must be one of: {allowed}", field="category")
    if item.is_blocked:
        raise Conflict(f"{item.key} is already blocked; unblock it first", field="reason")
    if not stage.phase.is_open:
        raise Conflict(f"{item.key} is {stage.phase.value}; only open work can be blocked")
    return Blocker(reason=text, category=cat, started_at=now, started_by=started_by)


def end_blocker(item: WorkItem, now: datetime) -> Blocker:
    if item.blocker is None or not item.blocker.is_open:
        raise Conflict(f"{item.key} is not blocked")
    return replace(item.blocker, ended_at=now)
