"""Failure demand: work the customer would not have needed had an earlier delivery been right
(seed 004: "why does the customer need the fix at all?").

An item is marked as failure demand of one kind and linked to the earlier delivered item it
stems from. First-time fix counts a delivered item as fixed first time while it has not been
reopened and no failure demand linked to it arrived within the service's window
(`docs/metrics.md`, "Failure demand and first-time fix").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flowdesk.domain.errors import InvalidInput

DEFAULT_FIX_WINDOW_DAYS = 30
MAX_FIX_WINDOW_DAYS = 365


class FailureKind(StrEnum):
    REPEAT = "repeat"  # the customer asks again: the first answer did not reach or satisfy
    COMPLAINT = "complaint"  # about how the earlier item was handled
    CORRECTION = "correction"  # the earlier item was wrong and must be put right

    @property
    def label(self) -> str:
        return {"repeat": "Repeat request", "complaint": "Complaint",
                "correction": "Correction"}[self.value]


@dataclass(frozen=True)
class Earlier:
    """What the rules need to know of the item failure demand stems from."""

    id: int
    key: str
    delivered: bool


def parse_kind(value: Any) -> FailureKind:
    """A failure kind from input; refused naming `kind`."""
    try:
        return FailureKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in FailureKind)
        raise InvalidInput(f"kind must be one of: {allowed}", field="kind") from None


def check_fix_window(days: Any) -> int:
    """The first-time-fix window in whole days, 1 to MAX_FIX_WINDOW_DAYS; refused naming
    `window_days`."""
    if isinstance(days, bool) or not isinstance(days, int) \
            or not 1 <= days <= MAX_FIX_WINDOW_DAYS:
        raise InvalidInput(f"window_days must be a whole number of days from 1 to "
                           f"{MAX_FIX_WINDOW_DAYS}", field="window_days")
    return days


def check_stems_from(item_id: int, earlier: Earlier) -> None:
    """Failure demand stems from another item, one already delivered."""
    if earlier.id == item_id:
        raise InvalidInput("an item cannot stem from itself", field="stems_from")
    if not earlier.delivered:
        raise InvalidInput(f"{earlier.key} is not delivered: failure demand stems from an "
                           "earlier delivered item", field="stems_from")
