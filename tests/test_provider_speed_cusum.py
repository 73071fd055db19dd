"""The CUSUM thresholds' faster simulation gives the same numbers, bit for bit
(queries/stats/cusum_simulation.py; issue 10: the Providers page at 1M courses).

Reference: the simulation as it was before (written out here): y ~ Bernoulli(p) drawn in
chunks of ``2_000_000 // L`` series, the weights, their cumulative sums and running minima
along each series (``unreset_cusum``), then the maximum. The new one runs course by course
over a vector of series and shares the uniforms between providers of one length; every
maximum, every threshold and every monitored provider's line must be the very same floats.
"""

import numpy as np
import pandas as pd
import pytest

from queries.analytics.monitoring import drawn_courses, monitor_courses
from queries.core.settings import Settings
from queries.stats import cusum_simulation
from queries.stats.cusum import (
    DEFAULT_SEED,
    MAX_SIMULATED_COURSES,
    calibrate_thresholds,
    calibrate_thresholds_many,
    cusum_path,
    cusum_weights,
    extrapolated_threshold,
    given_thresholds,
    risk_adjusted_cusum,
    simulated_maxima,
    unreset_cusum,
    upper_threshold,
)
from queries.stats.cusum_simulation import simulated_maxima_many


def reference_maxima(p, odds_ratio=2.0, n_sim=10_000, seed=DEFAULT_SEED) -> np.ndarray:
    """The simulation before issue 10's second half (queries/stats/cusum.py at 79309de)."""
    p = np.asarray(p, dtype=float)
    rng = np.random.default_rng(seed)
    rows = max(1, 2_000_000 // max(p.size, 1))
    maxima = []
    for start in range(0, n_sim, rows):
        y = rng.random((min(rows, n_sim - start), p.size)) < p
        maxima.append(unreset_cusum(cusum_weights(p, y, odds_ratio)).max(axis=1, initial=0.0))
    return np.concatenate(maxima)


def reference_thresholds(p, alert_level=0.95, alarm_level=0.998) -> tuple[float, float]:
    """calibrate_thresholds before: the evenly spaced block above the bound, else all."""
    p = np.asarray(p, dtype=float)
    if p.size > MAX_SIMULATED_COURSES:
        idx = np.linspace(0, p.size - 1, MAX_SIMULATED_COURSES).round().astype(int)
        maxima = reference_maxima(p[idx])
        return tuple(
            extrapolated_threshold(maxima, lvl, MAX_SIMULATED_COURSES, p.size)
            for lvl in (alert_level, alarm_level)
        )
    maxima = reference_maxima(p)
    return upper_threshold(maxima, alert_level), upper_threshold(maxima, alarm_level)


def provider_p(n: int, seed: int) -> np.ndarray:
    return 1 - np.random.default_rng(seed).beta(4.4, 3.6, n)


@pytest.mark.parametrize(
    ("length", "odds_ratio", "n_sim", "seed"),
    [(1, 2.0, 10_000, DEFAULT_SEED), (24, 2.0, 10_000, DEFAULT_SEED), (300, 0.5, 7_777, 3),
     (1_000, 2.0, 10_000, DEFAULT_SEED), (2_500, 3.0, 1_500, 11)],
)  # fmt: skip
def test_the_maxima_are_the_old_simulations_to_the_bit(length, odds_ratio, n_sim, seed):
    p = provider_p(length, length)
    if length >= 5:
        p[:2] = [0.0, 1.0]  # certain outcomes too
    want = reference_maxima(p, odds_ratio, n_sim, seed)
    assert np.array_equal(simulated_maxima(p, odds_ratio, n_sim, seed), want)
    assert want.max() > 0  # the series do move: the comparison is not of zeros


def test_the_maxima_do_not_depend_on_how_the_stream_is_cut(monkeypatch):
    p = provider_p(700, 1)
    want = reference_maxima(p)
    monkeypatch.setattr(cusum_simulation, "SIMULATION_CHUNK", 333 * 700 + 5)  # odd chunks
    assert np.array_equal(simulated_maxima(p), want)


def test_providers_of_one_length_share_uniforms_but_keep_their_own_maxima():
    sequences = [provider_p(1_000, 1), provider_p(300, 2), provider_p(1_000, 3), np.empty(0)]
    got = simulated_maxima_many(sequences, 2.0, 10_000, DEFAULT_SEED)
    for p, maxima in zip(sequences, got, strict=True):
        assert np.array_equal(maxima, reference_maxima(p))
    assert not np.array_equal(got[0], got[2])  # same uniforms, different p: other maxima
    assert np.array_equal(got[3], np.zeros(10_000))  # no course: S never leaves 0


def test_thresholds_of_many_providers_are_each_providers_own():
    sequences = [provider_p(n, n) for n in (20, 640, 1_000, 4_000, 50_000)]
    many = calibrate_thresholds_many(sequences)
    for p, got in zip(sequences, many, strict=True):
        one = calibrate_thresholds(p)
        assert got == one
        assert (got.alert, got.alarm) == reference_thresholds(p)


def test_the_seeded_fixture_thresholds_are_unchanged():
    # tests/support/ozone_testkit/fixture_monitoring.py: 24 courses at p = 0.5 -> 2.575588
    thresholds = calibrate_thresholds(np.full(24, 0.5))
    assert thresholds.alert == pytest.approx(2.575588, abs=1e-6)
    assert (thresholds.alert, thresholds.alarm) == reference_thresholds(np.full(24, 0.5))


def simulated_clinic(seed: int = 7) -> pd.DataFrame:
    """Providers of 5 (too few), 60, 1,000 and 3,000 courses; one with doubled odds of
    non-response from its 2,000th course, so that its line signals."""
    rng = np.random.default_rng(seed)
    parts = []
    for pid, n in (("p_a", 3_000), ("p_b", 60), ("p_c", 1_000), ("p_d", 5), ("p_e", 3_000)):
        p = rng.beta(4.4, 3.6, n)
        truth = p.copy()
        if pid == "p_e":  # odds of non-response doubled: P(response) = p / (2 - p)
            truth[2_000:] = p[2_000:] / (2 - p[2_000:])
        parts.append(
            pd.DataFrame(
                {
                    "provider_id": pid,
                    "p_response": p,
                    "is_responder": rng.random(n) < truth,
                    "start_year": 2020 + np.arange(n) * 4 // n,
                    "start_quarter": 1 + np.arange(n) % 4,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sample(frac=1, random_state=seed)


def test_monitoring_every_provider_gives_each_the_line_of_its_own_old_thresholds():
    rows = simulated_clinic()
    rows = rows.sort_values("start_year", kind="stable").reset_index(drop=True)
    got = monitor_courses(rows, Settings())
    summary = got.summary.set_index("provider_id")
    assert summary.loc["p_d", "cusum_signal"] == "too_few"
    assert summary.loc["p_e", "cusum_signal"] == "alarm"  # the planted change is seen
    for pid, own in rows.groupby("provider_id"):
        if len(own) < Settings().min_provider_courses:
            continue
        p_adverse = 1 - own["p_response"].to_numpy()
        alert, alarm = reference_thresholds(p_adverse)
        assert (summary.loc[pid, "alert_threshold"], summary.loc[pid, "alarm_threshold"]) == (
            alert,
            alarm,
        )
        line = risk_adjusted_cusum(
            p_adverse,
            1 - own["is_responder"].to_numpy(float),
            thresholds=calibrate_thresholds(p_adverse),
        )
        assert summary.loc[pid, "n_alarms"] == int(line.steps["alarm"].sum())
        assert summary.loc[pid, "n_alerts"] == int(line.steps["alert_start"].sum())
    alone = monitor_courses(rows, Settings(), ["p_e"])  # a provider's own view: the same line
    pd.testing.assert_frame_equal(
        alone.summary, got.summary[got.summary["provider_id"] == "p_e"].reset_index(drop=True)
    )


def reference_drawn(cusum: np.ndarray, signal: np.ndarray, max_points: int) -> np.ndarray:
    """drawn_courses before (by lexsort): each run's lowest and highest, the earliest of
    equals; the first and last course; every signal."""
    n = cusum.size
    if n <= max_points:
        return np.arange(n)
    edges = np.linspace(0, n, max(1, max_points // 2) + 1).round().astype(int)
    starts = edges[:-1][np.diff(edges) > 0]
    order = np.arange(n)
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    by_low = np.lexsort((order, cusum, segment))
    by_high = np.lexsort((order, -cusum, segment))
    firsts = np.r_[0, np.flatnonzero(np.diff(segment[by_low])) + 1]
    keep = np.r_[by_low[firsts], by_high[firsts], 0, n - 1, np.flatnonzero(signal)]
    return np.unique(keep)


@pytest.mark.parametrize(("n", "max_points"), [(50, 100), (5_000, 1_000), (77_777, 333)])
def test_the_drawn_courses_are_the_old_ones(n, max_points):
    rng = np.random.default_rng(n)
    for cusum in (rng.random(n), rng.integers(0, 3, n).astype(float)):  # ties, many
        signal = rng.random(n) < 0.001
        got = drawn_courses(cusum, signal, max_points)
        assert np.array_equal(got, reference_drawn(cusum, signal, max_points))


def reference_resets(weights: np.ndarray, h_alarm: float) -> tuple[np.ndarray, np.ndarray]:
    """S_t with resets before: the rest of the series recomputed after every alarm."""
    cusum, alarm, start = np.empty(weights.size), np.zeros(weights.size, dtype=bool), 0
    while start < weights.size:
        segment = unreset_cusum(weights[start:])
        hits = np.flatnonzero(segment >= h_alarm)
        stop = weights.size if hits.size == 0 else start + int(hits[0]) + 1
        cusum[start:stop] = segment[: stop - start]
        alarm[stop - 1] = bool(hits.size)
        start = stop
    return cusum, alarm


@pytest.mark.parametrize("h_alarm", [1.5, 6.0, 40.0])
def test_the_chart_with_resets_is_the_old_one_to_the_bit(h_alarm):
    rng = np.random.default_rng(int(h_alarm))
    p = rng.uniform(0.2, 0.6, 30_000)
    y = rng.random(30_000) < np.where(np.arange(30_000) > 9_000, 1.4 * p, p)
    weights = cusum_weights(p, y)
    path = cusum_path(weights, given_thresholds(min(h_alarm, 3.0), h_alarm))
    cusum, alarm = reference_resets(weights, h_alarm)
    assert np.array_equal(path.cusum, cusum) and np.array_equal(path.alarm, alarm)
    assert alarm.any() or h_alarm == 40.0  # resets happened where the line crossed
