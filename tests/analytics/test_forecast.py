"""Monte Carlo forecasts: conventions, agreement with known answers, distributions."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from flowdesk.analytics import (
    analyse,
    how_many,
    how_many_by,
    montecarlo,
    on_time,
    throughput_samples,
    when_done,
)
from flowdesk.analytics.montecarlo import DailyDraws

from .helpers import SERVICE, march, service_timeline


def test_constant_throughput_gives_k_times_d_at_every_percentile() -> None:
    result = how_many(np.array([4, 4, 4]), days=10, rng=np.random.default_rng(1))
    assert result.percentiles == {50: 40, 70: 40, 85: 40, 95: 40}
    assert result.values.tolist() == [40] and result.counts.tolist() == [10_000]


def test_constant_throughput_says_when_exactly() -> None:
    result = when_done(np.array([3]), 31, date(2024, 1, 1), np.random.default_rng(1))
    assert set(result.days.values()) == {11}  # ceil(31 / 3) days, day 1 = the start
    assert result.percentiles[85] == date(2024, 1, 11)


def test_how_many_means_at_least_with_that_probability() -> None:
    # Half the days deliver 10, half nothing: over one day "at least 10" is a coin flip.
    result = how_many(np.array([0, 10]), days=1, rng=np.random.default_rng(7), trials=20_000)
    assert result.percentiles[85] == 0 and result.percentiles[95] == 0
    share_at_least_10 = result.counts[result.values >= 10].sum() / result.trials
    assert share_at_least_10 == pytest.approx(0.5, abs=0.02)


def test_when_means_on_or_before_with_that_probability() -> None:
    result = when_done(np.array([0, 1]), 5, date(2024, 1, 1), np.random.default_rng(3),
                       trials=20_000)
    needed = np.repeat(result.values, result.counts)
    for p, days in result.days.items():
        assert days is not None
        assert np.mean(needed <= days) >= p / 100
        assert np.mean(needed <= days - 1) < p / 100


def test_draws_are_uniform_over_the_sample_days() -> None:
    draws = DailyDraws(np.arange(7), np.random.default_rng(5)).draw(700_000)
    counts = np.bincount(draws)
    assert counts.size == 7
    assert np.all(np.abs(counts / 100_000 - 1) < 0.02)


def test_a_million_trials_run() -> None:
    result = when_done(np.array([5, 0, 12, 7, 3, 9]), 200, date(2024, 1, 1),
                       np.random.default_rng(11), trials=1_000_000)
    assert result.counts.sum() == 1_000_000
    assert result.days[50] is not None and 20 <= result.days[50] <= 40


def test_no_throughput_means_no_forecast() -> None:
    with pytest.raises(ValueError, match="nothing"):
        when_done(np.array([0, 0]), 1, date(2024, 1, 1), np.random.default_rng(1))


def test_beyond_the_horizon_is_none() -> None:
    result = when_done(np.array([0] * 99 + [1]), 50, date(2024, 1, 1),
                       np.random.default_rng(1), trials=100, max_days=100)
    assert result.days[95] is None


def test_forecast_from_a_flow() -> None:
    flow = analyse(service_timeline(), SERVICE)
    samples = throughput_samples(flow, march(1, 10))
    assert samples.tolist() == [1, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    result = how_many_by(samples, date(2024, 3, 11), date(2024, 3, 20),
                         np.random.default_rng(2))
    assert result.days == 10
    assert 0 <= result.percentiles[85] <= result.percentiles[50] <= 10


def test_on_time_probability_given_age() -> None:
    flow = analyse(service_timeline(), SERVICE)
    # G is 6 days old; past calendar lead times are 1, 1, 3, 7, 7.
    result = on_time(flow, {"G": date(2024, 3, 11), "A": date(2024, 3, 30)},
                     march(1, 10), threshold=0.9)
    assert [str(flow.timeline.items[i]) for i in result.items] == ["G"]  # A is done
    assert result.age_days.tolist() == [6] and result.due_days.tolist() == [7]
    assert result.probability.tolist() == [1.0]  # both items older than 6 took 7
    assert result.basis == ["all"]
    late = on_time(flow, {"G": date(2024, 3, 9)}, march(1, 10))
    assert late.probability.tolist() == [0.0] and late.at_risk.tolist() == [True]


def test_on_time_uses_comparable_items_when_there_are_enough() -> None:
    flow = analyse(service_timeline(), SERVICE)
    result = on_time(flow, {"G": date(2024, 3, 11)}, march(1, 10), by=["type"], min_samples=2)
    assert result.basis == ["type=bug"]
    assert result.samples.tolist() == [2]  # B (1 day) and D (7 days)
    assert result.probability.tolist() == [1.0]


def test_when_done_draws_a_bounded_number_of_days_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # One delivery every 100 days on average: 30 items need a horizon of about 3,450 days.
    samples = np.zeros(100, dtype=np.int64)
    samples[0] = 1
    sizes: list[int] = []
    real_draw = montecarlo.DailyDraws.draw

    def draw(self: montecarlo.DailyDraws, count: int) -> Any:
        sizes.append(count)
        return real_draw(self, count)

    monkeypatch.setattr(montecarlo.DailyDraws, "draw", draw)
    result = when_done(samples, 30, date(2024, 1, 1), np.random.default_rng(3), trials=3000)
    assert max(sizes) <= montecarlo.DRAW_BUDGET
    assert sum(result.counts.tolist()) == 3000


def test_when_done_with_a_short_horizon_keeps_its_seeded_answers() -> None:
    # Horizons up to 512 days keep chunks of 16,384 trials: the same draws as before the
    # memory bound, so a seed still gives the same dates. Hand check: constant throughput
    # of 2 a day needs exactly 5 days for 10 items, whatever the draws.
    constant = when_done(np.array([2, 2, 2]), 10, date(2024, 1, 1),
                         np.random.default_rng(0), trials=20_000)
    assert constant.days == {50: 5, 70: 5, 85: 5, 95: 5}
    samples = np.array([0, 1, 3, 0, 2, 5, 1], dtype=np.int64)
    first = when_done(samples, 40, date(2024, 1, 1), np.random.default_rng(9), trials=40_000)
    # Recorded with the code before the bound (three chunks of trials, horizon 29 days).
    assert first.days == {50: 24, 70: 26, 85: 29, 95: 32}
    assert first.values[:5].tolist() == [10, 11, 12, 13, 14]
    assert first.counts[:5].tolist() == [1, 10, 29, 108, 223]
