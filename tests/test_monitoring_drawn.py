"""What a provider's CUSUM line keeps when it is long (queries/analytics/monitoring.py,
``drawn_courses``): at most what a panel can show, never at the cost of a signal or a peak.

Known answers: a 12-course path thinned to 4 points by hand; properties that a broken
thinning would fail: every alert start and alarm kept, the highest and lowest S_t of every
run of courses kept, the summary and the signals the same as from every course.
"""

import numpy as np
import pandas as pd
import pytest

from queries.analytics.monitoring import MAX_PATH_POINTS, drawn_courses, monitor_courses
from queries.core.settings import Settings
from queries.stats.cusum import cusum_path, cusum_weights, given_thresholds, non_response


def test_a_short_path_is_drawn_whole():
    cusum = np.arange(10, dtype=float)
    assert drawn_courses(cusum, np.zeros(10, bool), max_points=10).tolist() == list(range(10))


def test_thinning_by_hand():
    # 12 courses, 4 points -> 2 runs of 6: courses 0-5 (low 0 at 0, high 5 at 2) and
    # 6-11 (low 0.5 at 9, high 4 at 7); plus the first and last course and the alarm at 4.
    cusum = np.array([0, 1, 5, 2, 3, 1, 2, 4, 3, 0.5, 1, 2], dtype=float)
    signal = np.zeros(12, bool)
    signal[4] = True
    assert drawn_courses(cusum, signal, max_points=4).tolist() == [0, 2, 4, 7, 9, 11]


def long_provider(n: int = 6_000, seed: int = 5) -> pd.DataFrame:
    """One provider's courses in start order, worse than the model expects after course
    3,000 (doubled odds of non-response), so that the CUSUM alerts and alarms."""
    rng = np.random.default_rng(seed)
    p_response = rng.beta(4.4, 3.6, n)
    p_non = 1 - p_response
    p_true = np.where(np.arange(n) < 3_000, p_non, 2 * p_non / (1 + p_non))
    return pd.DataFrame(
        {
            "provider_id": "P_LONG",
            "p_response": p_response,
            "is_responder": rng.random(n) >= p_true,
            "start_year": 2020 + np.arange(n) // 1_500,
            "start_quarter": 1 + (np.arange(n) // 375) % 4,
        }
    )


def test_a_long_line_keeps_every_signal_and_every_peak():
    rows = long_provider()
    watch = monitor_courses(rows, Settings())
    path, row = watch.paths, watch.summary.iloc[0]
    assert len(path) <= MAX_PATH_POINTS + 2 + row["n_alerts"] + row["n_alarms"]
    # the same CUSUM from every course, with the thresholds the summary reports
    series = non_response(rows["p_response"], rows["is_responder"].astype(float))
    thresholds = given_thresholds(row["alert_threshold"], row["alarm_threshold"])
    full = cusum_path(cusum_weights(series.p_adverse, series.adverse), thresholds)
    assert row["n_alarms"] >= 1 and row["n_alarms"] == full.alarm.sum()
    assert row["n_alerts"] == full.alert_start.sum()
    signalled = np.flatnonzero(full.alert_start | full.alarm) + 1
    assert set(signalled) <= set(path["course_number"])
    assert set(watch.signals["course_number"]) == set(signalled)
    drawn = path["course_number"].to_numpy() - 1
    assert path["cusum"].to_numpy() == pytest.approx(full.cusum[drawn])
    for lo in range(0, 6_000, 12):  # each run of 12 courses: its highest and lowest S_t
        run = full.cusum[lo : lo + 12]
        kept = path["cusum"][(drawn >= lo) & (drawn < lo + 12)]
        assert kept.max() == run.max() and kept.min() == run.min()
    assert path["period"].notna().all() and path["period"].iloc[0] == "2020 Q1"


def test_a_panel_with_many_alarms_draws_every_run_up_in_one_trace():
    from dashboard.charts.monitoring import cusum_chart

    watch = monitor_courses(long_provider(), Settings())
    fig = cusum_chart(watch, "title", "subtitle")
    (band,) = [t for t in fig.data if t.name == "run-up to an alarm"]
    alarms = watch.signals[watch.signals["signal"] == "alarm"]
    assert len(alarms) == watch.summary["n_alarms"].iloc[0] >= 1
    x = np.asarray(band.x, dtype=float).reshape(-1, 6)  # one closed rectangle per alarm
    assert x[:, 0].tolist() == (alarms["onset_course_number"] - 0.5).tolist()
    assert x[:, 1].tolist() == (alarms["course_number"] + 0.5).tolist()
    assert not fig.layout.shapes  # no shape per alarm
