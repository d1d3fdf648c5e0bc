"""Percentiles by the nearest-rank method, the convention behind "85% within 10 days"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from flowdesk.analytics.arrays import F64, I64

#: The percentiles every report shows.
STANDARD = (50, 70, 85, 95)


def nearest_rank(values: F64 | I64, percentiles: Sequence[int] = STANDARD) -> dict[int, float]:
    """Return, per percentile p, the smallest value such that at least p% of the values are
    less than or equal to it (nearest rank, no interpolation); NaN when there are none.

    With the values sorted ascending as v[1..n], the p-th percentile is v[ceil(p*n/100)].
    This equals numpy's ``method="inverted_cdf"``. It is chosen because the answer is
    always an observed value and reads exactly as "p% finished within x".
    """
    array = np.asarray(values, dtype=np.float64)
    n = array.size
    ranks: dict[int, int] = {}
    for p in percentiles:
        if not 0 < p <= 100:
            raise ValueError(f"percentile {p} is outside (0, 100]")
        # ceil(p * n / 100) in integers: no rounding surprises
        ranks[int(p)] = max(-(-int(p) * n // 100), 1) - 1
    if n == 0:
        return {p: float("nan") for p in ranks}
    # Only the ranks asked for are put in place (as a sort would put them), not all n.
    placed = np.partition(array, sorted(set(ranks.values())))
    return {p: float(placed[rank]) for p, rank in ranks.items()}


def at_least(values: I64, percentiles: Sequence[int] = STANDARD) -> dict[int, int]:
    """Return, per p, the largest N such that at least p% of the values are >= N.

    This is the Monte Carlo "how many" convention: a p% chance of finishing at least N.
    """
    sorted_values = np.sort(np.asarray(values, dtype=np.int64))
    n = sorted_values.size
    if n == 0:
        raise ValueError("no values")
    out: dict[int, int] = {}
    for p in percentiles:
        needed = -(-int(p) * n // 100)  # ceil(p * n / 100) trials must reach N
        out[int(p)] = int(sorted_values[n - max(needed, 1)])
    return out
