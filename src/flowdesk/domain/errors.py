"""One error hierarchy for every rule. The edges map it to HTTP or to a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class FlowdeskError(Exception):
    """Base class. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(FlowdeskError):
    code = "not_found"


class InvalidInput(FlowdeskError):
    """Bad input: the message names the field."""

    code = "invalid"


class Conflict(FlowdeskError):
    """The request clashes with the item's current state (already blocked, ...)."""

    code = "conflict"


class Forbidden(FlowdeskError):
    code = "forbidden"


class Unauthenticated(FlowdeskError):
    """Nobody is signed in, or the credentials sent are unknown, expired or revoked."""

    code = "unauthenticated"


class TooManyAttempts(FlowdeskError):
    """Too many failed sign-ins: try again after `retry_after` seconds."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


class StaleVersion(FlowdeskError):
    code = "stale_version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"the item changed since you read it: you sent version {expected}, "
            f"it is now at version {actual}; reload and try again",
            field="If-Match",
        )
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class LimitViolation:
    """One WIP limit a move would exceed."""

    scope: str  # "stage", "stage_group", "class_of_service" or "person"
    name: str
    limit: int
    count: int
    covers: str

    @property
    def message(self) -> str:
        return (
            f"WIP limit reached for {self.scope.replace('_', ' ')} '{self.name}': "
            f"{self.count} of {self.limit} ({self.covers})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "name": self.name,
            "limit": self.limit,
            "count": self.count,
            "covers": self.covers,
            "message": self.message,
        }


class WipLimitExceeded(FlowdeskError):
    code = "wip_limit"

    def __init__(self, violations: list[LimitViolation]) -> None:
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations
