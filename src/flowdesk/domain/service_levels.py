"""A service's configured service level targets: "85% of items within 10 days".

A target is set per service, optionally per class of service, with a percentile and a
value in calendar days of lead time (commitment to delivery, both days counted, as
`docs/metrics.md` defines it). It is what attainment is measured against for the items no
customer agreement covers; an item that arrived under an agreement is measured against the
agreement's own target and due time instead. The period's own percentile is never the
target: it is only shown beside it, as a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flowdesk.domain.classes import ClassOfService, parse_optional_class
from flowdesk.domain.errors import InvalidInput

MAX_DAYS = 1_000
MAX_TARGETS = len(ClassOfService) + 1  # one for the whole service, one per class


@dataclass(frozen=True)
class ServiceLevelTarget:
    """`percentile` % of the items of class `cos` (None: any class without a target of its
    own) are delivered within `days` calendar days of commitment."""

    percentile: int
    days: int
    cos: ClassOfService | None = None

    def __post_init__(self) -> None:
        if not _whole(self.percentile) or not 1 <= self.percentile <= 100:
            raise InvalidInput(f"percentile: {self.percentile!r} is not a whole number from "
                               "1 to 100", "percentile")
        if not _whole(self.days) or not 1 <= self.days <= MAX_DAYS:
            raise InvalidInput(f"days: {self.days!r} is not a whole number of days from 1 "
                               f"to {MAX_DAYS}", "days")

    @property
    def share(self) -> float:
        return self.percentile / 100

    def __str__(self) -> str:
        return f"{self.percentile}% within {self.days} day{'' if self.days == 1 else 's'}"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def target_for(targets: Iterable[ServiceLevelTarget],
               cos: ClassOfService) -> ServiceLevelTarget | None:
    """Return the target for an item of class `cos`: its class's, else the service's."""
    general = None
    for target in targets:
        if target.cos == cos:
            return target
        if target.cos is None:
            general = target
    return general


def parse_service_levels(body: object) -> list[ServiceLevelTarget]:
    """Return the targets in ``{"targets": [{"class_of_service": null, "percentile": 85,
    "days": 10}, ...]}``, or raise InvalidInput naming the field. At most one target per
    class (and one for the whole service); an empty list clears them all."""
    if not isinstance(body, Mapping) or not isinstance(body.get("targets"), Sequence) \
            or isinstance(body.get("targets"), str | bytes):
        raise InvalidInput("targets: give a list of {class_of_service, percentile, days}",
                           "targets")
    unknown = sorted(str(k) for k in body if k != "targets")
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}", unknown[0])
    entries = list(body["targets"])
    if len(entries) > MAX_TARGETS:
        raise InvalidInput(f"targets: at most {MAX_TARGETS} (the service and each class)",
                           "targets")
    found: list[ServiceLevelTarget] = []
    for entry in entries:
        found.append(_parse_one(entry))
    seen: set[ClassOfService | None] = set()
    for target in found:
        if target.cos in seen:
            scope = target.cos.value if target.cos else "the whole service"
            raise InvalidInput(f"class_of_service: two targets for {scope}",
                               "class_of_service")
        seen.add(target.cos)
    return found


def _parse_one(entry: object) -> ServiceLevelTarget:
    if not isinstance(entry, Mapping):
        raise InvalidInput("targets: each target is an object", "targets")
    unknown = sorted(str(k) for k in entry
                     if k not in ("class_of_service", "percentile", "days"))
    if unknown:
        raise InvalidInput(f"unknown field {unknown[0]!r}", unknown[0])
    value = entry.get("class_of_service")
    cos = parse_optional_class(value)
    return ServiceLevelTarget(percentile=entry.get("percentile"),  # type: ignore[arg-type]
                              days=entry.get("days"), cos=cos)  # type: ignore[arg-type]
