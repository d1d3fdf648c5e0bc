"""Demand alert thresholds: documented defaults, and bad values refused by name."""

from __future__ import annotations

from dataclasses import fields

import pytest

from flowdesk.domain.demand import Thresholds
from flowdesk.domain.errors import InvalidInput


def test_the_defaults_are_the_documented_ones() -> None:
    t = Thresholds()
    assert (t.drop_at, t.drop_critical_at, t.surge_at, t.surge_critical_at) == (
        0.5, 0.25, 1.5, 2.0)
    assert (t.min_usual, t.queue_days, t.queue_critical_days) == (5.0, 5, 10)
    assert (t.mix_points, t.mix_warning_points, t.mix_min_items, t.mix_days) == (
        0.2, 0.35, 20, 7)


@pytest.mark.parametrize("name", [f.name for f in fields(Thresholds)])
@pytest.mark.parametrize("value", [0, -1, float("nan")])
def test_a_threshold_that_is_not_positive_is_refused_by_name(name: str, value: float) -> None:
    with pytest.raises(InvalidInput) as refused:
        Thresholds(**{name: value})  # type: ignore[arg-type]
    assert refused.value.field == name


@pytest.mark.parametrize(("changes", "named"), [
    ({"drop_at": 1.0}, "drop_at"),
    ({"drop_critical_at": 0.6}, "drop_critical_at"),
    ({"surge_at": 0.9}, "surge_at"),
    ({"surge_critical_at": 1.2}, "surge_critical_at"),
    ({"queue_critical_days": 4}, "queue_critical_days"),
    ({"mix_warning_points": 0.1}, "mix_warning_points"),
    ({"queue_days": 2.5}, "queue_days"),
    ({"mix_days": True}, "mix_days"),
])
def test_thresholds_out_of_order_or_not_whole_are_refused_by_name(
        changes: dict[str, float], named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Thresholds(**changes)  # type: ignore[arg-type]
    assert refused.value.field == named


def test_a_stricter_choice_in_order_is_accepted() -> None:
    t = Thresholds(drop_at=0.3, drop_critical_at=0.1, queue_days=3, queue_critical_days=3)
    assert t.queue_critical_days == 3
