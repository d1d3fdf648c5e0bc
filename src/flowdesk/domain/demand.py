"""The thresholds of a service's demand alerts: settings people choose, with defaults.

The alerts themselves are computed by ``flowdesk.analytics.alerts``, which reads these
fields and nothing else; ``docs/metrics.md`` ("Demand") defines each one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from flowdesk.domain.errors import InvalidInput

#: Fields that count whole days or items.
_WHOLE = ("queue_days", "queue_critical_days", "mix_min_items", "mix_days")


@dataclass(frozen=True)
class Thresholds:
    """When a demand alert is raised, and how severe it is.

    Ratios compare today's arrivals so far with the usual arrivals by the same hour; mix
    points are changes in a share (0.2 = 20 percentage points). Every value is positive.
    """

    drop_at: float = 0.5  # inflow_drop (warning) when actual / usual <= this
    drop_critical_at: float = 0.25  # ... critical when <= this
    surge_at: float = 1.5  # inflow_surge (warning) when actual / usual >= this
    surge_critical_at: float = 2.0  # ... critical when >= this
    min_usual: float = 5.0  # no inflow alert while fewer arrivals than this are usual yet
    queue_days: int = 5  # queue_growing (warning) after this many working days in a row
    queue_critical_days: int = 10  # ... critical after this many
    mix_points: float = 0.2  # mix_shift (info) when a share moves by this much
    mix_warning_points: float = 0.35  # ... warning when it moves by this much
    mix_min_items: int = 20  # no mix alert on fewer recent arrivals than this
    mix_days: int = 7  # the recent window of the mix, in days, today included

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidInput(f"{item.name} must be a number", item.name)
            if not math.isfinite(value) or value <= 0:
                raise InvalidInput(f"{item.name} must be positive, not {value}", item.name)
            if item.name in _WHOLE and value != int(value):
                raise InvalidInput(f"{item.name} must be a whole number", item.name)
        # Each pair is a warning level and a stronger one: out of order, the stronger
        # one could never be reached; a drop must be below usual and a surge above it.
        rules = (
            ("drop_at", self.drop_at < 1, "drop_at < 1"),
            ("drop_critical_at", self.drop_critical_at <= self.drop_at,
             "drop_critical_at <= drop_at"),
            ("surge_at", self.surge_at > 1, "surge_at > 1"),
            ("surge_critical_at", self.surge_critical_at >= self.surge_at,
             "surge_critical_at >= surge_at"),
            ("queue_critical_days", self.queue_critical_days >= self.queue_days,
             "queue_critical_days >= queue_days"),
            ("mix_warning_points", self.mix_points <= self.mix_warning_points <= 1,
             "mix_points <= mix_warning_points <= 1"),
        )
        for name, holds, rule in rules:
            if not holds:
                raise InvalidInput(f"thresholds out of order: need {rule}", name)
