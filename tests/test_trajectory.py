"""Tests for queries/trajectory.py: week assignment edge cases and t intervals.

Means and intervals are compared with a direct pandas + ``scipy.stats.t`` computation
(mean ± t_{0.975, n-1} · s / sqrt(n)) on a small hand-built frame; the week each row lands
in is worked out by hand in the comments (windows in queries/trajectory.py).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from queries.core.settings import Settings
from queries.stats.trajectory import (
    TRAJECTORY_WEEKS,
    TRAJECTORY_WINDOWS,
    assign_weeks,
    nearest_week,
    trajectory_by_week,
)

# course, day, change, severity; the comment says where the row goes
ROWS = [
    ("a", -10, 0.5, "mild"),  # week 0 candidate, older
    ("a", -2, 0.0, "mild"),  # week 0: latest day <= 0 wins
    ("a", 2, 1.0, "mild"),  # day 2: nearest week 0 but after day 0 -> dropped (flare days)
    ("a", 6, -1.0, "mild"),  # week 1, 1 day before target 7
    ("a", 8, -2.0, "mild"),  # week 1, 1 day after: tie -> the later day wins
    ("a", 33, -3.0, "mild"),  # between week 4 (25-31) and week 6 (35-49) -> dropped
    ("a", 49, -4.0, "mild"),  # 7 days from both week 6 and week 8 -> week 8 (later week)
    ("a", 84, -5.0, "mild"),  # week 12
    ("a", 120, -9.0, "mild"),  # past week 12's window (70-98), before 26's -> dropped
    ("b", 0, 0.0, "severe"),  # week 0
    ("b", 7, -0.5, "severe"),  # week 1
    ("b", 47, -1.5, "severe"),  # week 6 (42 +/- 7)
    ("b", 80, -3.0, "severe"),  # week 12, 4 days off
    ("b", 90, -4.0, "severe"),  # week 12, 6 days off -> loses to day 80
    ("b", 400, -6.0, "severe"),  # week 52 (364 +/- 42)
    ("c", -1, 0.0, "mild"),  # week 0
    ("c", 9, -3.0, "mild"),  # week 1
    ("c", 56, -2.0, "mild"),  # week 8
    ("c", 86, np.nan, "mild"),  # missing value -> dropped
    ("c", 98, -6.0, "mild"),  # week 12 (edge of window)
    ("d", 0, 0.0, "severe"),  # week 0
    ("d", 10, 1.0, "severe"),  # week 1 (edge)
    ("d", 77, -2.5, "severe"),  # week 12
]
FRAME = pd.DataFrame(ROWS, columns=["course_id", "day", "change_from_baseline", "severity"])

KEPT_DAY = {  # course -> {week: the day kept for it}
    "a": {0: -2, 1: 8, 8: 49, 12: 84},
    "b": {0: 0, 1: 7, 6: 47, 12: 80, 52: 400},
    "c": {0: -1, 1: 9, 8: 56, 12: 98},
    "d": {0: 0, 1: 10, 12: 77},
}
EXPECTED_ASSIGNMENT = {  # (course, week) -> day kept
    (course, week): day for course, days in KEPT_DAY.items() for week, day in days.items()
}


def test_windows_are_the_documented_ones():
    got = {w.week: (w.first_day, w.target_day, w.last_day) for w in TRAJECTORY_WINDOWS}
    assert tuple(got) == TRAJECTORY_WEEKS
    assert got == {
        0: (-60, 0, 0),
        1: (4, 7, 10),
        2: (11, 14, 17),
        3: (18, 21, 24),
        4: (25, 28, 31),
        6: (35, 42, 49),
        8: (49, 56, 63),
        12: (70, 84, 98),
        26: (154, 182, 210),
        52: (322, 364, 406),
    }
    settings = Settings()
    assert (settings.flare_first_day, settings.flare_last_day) == (1, 10)  # methods.md 5


def test_nearest_week_boundaries():
    days = [
        -61,
        -60,
        0,
        1,
        3,
        4,
        10,
        11,
        31,
        32,
        34,
        35,
        48,
        49,
        63,
        64,
        69,
        70,
        98,
        99,
        153,
        154,
        210,
        211,
        321,
        322,
        406,
        407,
    ]
    want = [
        -1,
        0,
        0,
        -1,
        -1,
        1,
        1,
        2,
        4,
        -1,
        -1,
        6,
        6,
        8,
        8,
        -1,
        -1,
        12,
        12,
        -1,
        -1,
        26,
        26,
        -1,
        -1,
        52,
        52,
        -1,
    ]
    assert nearest_week(days).tolist() == want


def test_assign_weeks_keeps_one_value_per_course_and_week():
    got = assign_weeks(FRAME)
    kept = {(r.course_id, r.week): r.day for r in got.itertuples()}
    assert kept == EXPECTED_ASSIGNMENT
    assert "severity" in got.columns  # other columns travel along
    row = got[(got.course_id == "b") & (got.week == 12)].iloc[0]
    assert row["days_from_target"] == -4


def reference(frame, group_col=None, level=0.95):
    """Direct computation: pandas picks the rows, scipy.stats.t gives the quantile."""
    kept = [(c, w, d) for (c, w), d in EXPECTED_ASSIGNMENT.items()]
    picked = pd.DataFrame(kept, columns=["course_id", "week", "day"]).merge(
        frame, on=["course_id", "day"]
    )
    keys = ["week"] if group_col is None else [group_col, "week"]
    out = []
    for key, rows in picked.groupby(keys):
        x = rows["change_from_baseline"].to_numpy()
        n = x.size
        mean = x.mean()
        half = sps.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        group = "all courses" if group_col is None else key[0]
        week = key[0] if group_col is None else key[1]
        out.append((group, week, n, mean, mean - half, mean + half))
    return pd.DataFrame(out, columns=["group", "week", "n_courses", "mean_change", "lo", "hi"])


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_means_and_t_intervals_match_direct_computation(level):
    got = trajectory_by_week(FRAME, confidence_level=level)
    ref = reference(FRAME, level=level)
    sfx = "95" if level == 0.95 else "90"
    assert list(got.columns) == [
        "group",
        "week",
        "n_courses",
        "mean_change",
        f"ci_lower_{sfx}",
        f"ci_upper_{sfx}",
    ]
    assert got["week"].tolist() == ref["week"].tolist() == [0, 1, 6, 8, 12, 52]
    assert got["n_courses"].tolist() == ref["n_courses"].tolist() == [4, 4, 1, 2, 4, 1]
    np.testing.assert_allclose(got["mean_change"], ref["mean_change"], rtol=1e-12)
    np.testing.assert_allclose(got[f"ci_lower_{sfx}"], ref["lo"], rtol=1e-12)
    np.testing.assert_allclose(got[f"ci_upper_{sfx}"], ref["hi"], rtol=1e-12)
    # week 1: values -2, -0.5, -3, 1 -> mean -1.125 (by hand)
    assert got.loc[got.week == 1, "mean_change"].item() == pytest.approx(-1.125)
    # a single course: a mean, no interval
    assert np.isnan(got.loc[got.week == 6, f"ci_lower_{sfx}"].item())


def test_groups_in_natural_order_and_match_direct_computation():
    frame = FRAME.assign(
        severity=pd.Categorical(
            FRAME["severity"], ["none", "mild", "moderate", "severe", "unknown"]
        )
    )
    got = trajectory_by_week(frame, group_col="severity")
    assert list(dict.fromkeys(got["group"])) == ["mild", "severe"]
    ref = reference(FRAME, group_col="severity")
    merged = got.merge(ref, on=["group", "week"], suffixes=("", "_ref"))
    assert len(merged) == len(got) == len(ref)
    np.testing.assert_array_equal(merged["n_courses"], merged["n_courses_ref"])
    np.testing.assert_allclose(merged["mean_change"], merged["mean_change_ref"], rtol=1e-12)
    np.testing.assert_allclose(merged["ci_lower_95"], merged["lo"], rtol=1e-12)
    np.testing.assert_allclose(merged["ci_upper_95"], merged["hi"], rtol=1e-12)


def test_missing_group_or_column_is_refused():
    with pytest.raises(ValueError):
        trajectory_by_week(FRAME.assign(severity=None), group_col="severity")
    with pytest.raises(ValueError):
        trajectory_by_week(FRAME.drop(columns="day"))
