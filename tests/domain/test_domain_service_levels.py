"""A service's configured service level targets: parsed by field, one per class at most, and
the class's own target before the service's."""

from __future__ import annotations

import pytest

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.service_levels import (
    ServiceLevelTarget,
    parse_service_levels,
    target_for,
)


def test_a_class_is_held_to_its_own_target_before_the_service_s() -> None:
    general = ServiceLevelTarget(85, 10)
    expedite = ServiceLevelTarget(95, 1, ClassOfService.EXPEDITE)
    assert target_for([general, expedite], ClassOfService.EXPEDITE) == expedite
    assert target_for([expedite, general], ClassOfService.STANDARD) == general
    assert target_for([expedite], ClassOfService.STANDARD) is None
    assert str(general) == "85% within 10 days" and general.share == 0.85


@pytest.mark.parametrize(("body", "field"), [
    ({"targets": [{"percentile": 101, "days": 3}]}, "percentile"),
    ({"targets": [{"percentile": 85.5, "days": 3}]}, "percentile"),
    ({"targets": [{"percentile": 85, "days": True}]}, "days"),
    ({"targets": [{"percentile": 85, "days": 3, "share": 0.85}]}, "share"),
    ({"targets": [{"percentile": 85, "days": 3, "class_of_service": "expedite"},
                  {"percentile": 90, "days": 2, "class_of_service": "expedite"}]},
     "class_of_service"),
    ({"targets": None}, "targets"),
    ([], "targets"),
])
def test_bad_targets_are_refused_naming_the_field(body: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_service_levels(body)
    assert refused.value.field == field


def test_an_empty_list_clears_the_targets() -> None:
    assert parse_service_levels({"targets": []}) == []
