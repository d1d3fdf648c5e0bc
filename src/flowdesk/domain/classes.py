"""Classes of service and their policies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from flowdesk.domain.errors import InvalidInput


class ClassOfService(StrEnum):
    EXPEDITE = "expedite"
    FIXED_DATE = "fixed_date"
    STANDARD = "standard"
    INTANGIBLE = "intangible"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Expedite first: it is the lane on top of a board and the first to be pulled.
CLASS_ORDER = (
    ClassOfService.EXPEDITE,
    ClassOfService.FIXED_DATE,
    ClassOfService.STANDARD,
    ClassOfService.INTANGIBLE,
)


@dataclass(frozen=True)
class ClassPolicy:
    """How a class of service is treated.

    `wip_limit` caps how many items of the class may be in the committed phase
    at once, across the whole service.
    """

    cos: ClassOfService
    wip_limit: int | None = None
    may_exceed_stage_limits: bool = False
    requires_due_date: bool = False
    policy: str = ""

    def with_changes(self, **changes: object) -> ClassPolicy:
        return replace(self, **changes)  # type: ignore[arg-type]


def default_class_policies() -> dict[ClassOfService, ClassPolicy]:
    return {
        ClassOfService.EXPEDITE: ClassPolicy(
            ClassOfService.EXPEDITE,
            wip_limit=1,
            may_exceed_stage_limits=True,
            policy="Pulled at once, ahead of all other work. One at a time across the service; "
            "it may pass a full stage.",
        ),
        ClassOfService.FIXED_DATE: ClassPolicy(
            ClassOfService.FIXED_DATE,
            requires_due_date=True,
            policy="Has a due date with a real cost of delay after it. Pulled in time to "
            "meet the date.",
        ),
        ClassOfService.STANDARD: ClassPolicy(
            ClassOfService.STANDARD,
            policy="First in, first out within the limits.",
        ),
        ClassOfService.INTANGIBLE: ClassPolicy(
            ClassOfService.INTANGIBLE,
            policy="No urgency now; pulled when there is slack.",
        ),
    }


def parse_optional_class(value: object, field: str = "class_of_service") -> ClassOfService | None:
    """Read an optional class of service from input (None: any class), refused by name."""
    if value is None:
        return None
    try:
        return ClassOfService(str(value))
    except ValueError:
        allowed = ", ".join(c.value for c in ClassOfService)
        raise InvalidInput(f"{field}: {value!r} is not one of {allowed}", field) from None
