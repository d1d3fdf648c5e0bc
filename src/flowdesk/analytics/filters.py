"""Slicing by item attributes: ``{"type": "bug", "team": ["a", "b"]}`` to an item mask."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from flowdesk.analytics.arrays import Bool
from flowdesk.analytics.timeline import Timeline

Where = Mapping[str, str | Sequence[str]]


def item_mask(timeline: Timeline, where: Where | None) -> Bool:
    """Return a mask of items whose attributes match every condition in ``where``.

    A condition is one value or a list of accepted values; an item without the
    attribute matches nothing. Raises KeyError for an attribute the timeline lacks.
    """
    mask = np.ones(timeline.item_count, dtype=bool)
    for name, wanted in (where or {}).items():
        if name not in timeline.attributes:
            raise KeyError(f"no attribute {name!r}; have {sorted(timeline.attributes)}")
        attribute = timeline.attributes[name]
        accepted = [wanted] if isinstance(wanted, str) else list(wanted)
        codes = [attribute.values.index(value) for value in accepted
                 if value in attribute.values]
        mask &= np.isin(attribute.codes, np.array(codes, dtype=np.int32))
    return mask
