"""Mean change in pain by week (issue 4; queries/analytics/trajectories.py) on the hand-built
timeline clinic.

Expected values come from an independent pandas + scipy computation of the trajectory from
the fixture rows (ozone_testkit/fixture_timeline.py) and from hand-worked week-1 values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from ozone_testkit import fixture_timeline as fx
from queries.analytics import trajectories
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


# Independent restatement of the trajectory weeks (methods.md section 5, queries/trajectory.py
# docstring): target day 7 x week; a day goes to the nearest target (later week on a tie) and
# counts only inside that week's window; week 0 = day -60..0.
WEEKS = {
    0: (-60, 0),
    1: (4, 10),
    2: (11, 17),
    3: (18, 24),
    4: (25, 31),
    6: (35, 49),
    8: (49, 63),
    12: (70, 98),
    26: (154, 210),
    52: (322, 406),
}


def _week_of(day: int) -> int | None:
    best = min(WEEKS, key=lambda w: (abs(day - 7 * w), -w))
    lo, hi = WEEKS[best]
    return best if lo <= day <= hi else None


def _expected_trajectory(group_of) -> pd.DataFrame:
    """Mean change by week from the fixture rows, with pandas and scipy only."""
    raw = pd.DataFrame(
        [(c.course_id, d, s) for c in fx.COURSES for d, s in c.nrs],
        columns=["course_id", "day", "score"],
    )
    daily = raw.groupby(["course_id", "day"], as_index=False)["score"].mean()
    base = daily[daily["day"] <= 0].sort_values("day").groupby("course_id").last()["score"]
    daily = daily[daily["course_id"].isin(base.index)].copy()
    daily["change"] = daily["score"] - daily["course_id"].map(base)
    daily["week"] = daily["day"].map(_week_of)
    daily = daily.dropna(subset=["week"])
    daily["dist"] = (daily["day"] - 7 * daily["week"]).abs()
    daily = daily.sort_values(
        ["course_id", "week", "dist", "day"], ascending=[True, True, True, False]
    )
    one = daily.drop_duplicates(["course_id", "week"])
    one = one.assign(group=one["course_id"].map(group_of))
    rows = []
    for (group, week), part in one.groupby(["group", "week"]):
        values = part["change"].to_numpy()
        n, mean = len(values), values.mean()
        if n >= 2:
            half = sps.t.ppf(0.975, n - 1) * sps.sem(values)  # 0 when all values agree
            lo, hi = mean - half, mean + half
        else:
            lo = hi = np.nan
        rows.append(
            {
                "group": group,
                "week": int(week),
                "n_courses": n,
                "mean_change": mean,
                "ci_lower_95": lo,
                "ci_upper_95": hi,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by", [None, "rehab", "severity", "provider"])
def test_trajectory_matches_pandas_and_scipy(timeline_con, by):
    attr = {None: None, "rehab": "rehab", "severity": "severity", "provider": "provider_id"}[by]
    courses = {c.course_id: c for c in fx.COURSES}

    def group_of(course_id):
        return "all courses" if attr is None else getattr(courses[course_id], attr)

    # every provider of the timeline clinic is under the 20 courses a line of its own needs
    # (tests/test_provider_points.py): the 20-course rule is off here to check the means
    settings = replace(SETTINGS, min_provider_courses=1)
    got = trajectories.nrs_trajectory(Query(timeline_con, Scope(), Filters(), settings), by=by)
    assert list(got.columns) == [
        "group",
        "week",
        "n_courses",
        "mean_change",
        "ci_lower_95",
        "ci_upper_95",
    ]
    expected = _expected_trajectory(group_of)
    key = ["group", "week"]
    merged = got.merge(expected, on=key, suffixes=("", "_expected"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["n_courses"] == merged["n_courses_expected"]).all()
    for col in ("mean_change", "ci_lower_95", "ci_upper_95"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_expected"], atol=1e-9)
    # week 0 is the baseline itself: change exactly 0 for every course with a baseline
    assert (got.loc[got["week"] == 0, "mean_change"] == 0).all()
    if by == "rehab":  # natural order, never alphabetical
        assert list(dict.fromkeys(got["group"])) == ["none", "home_program", "supervised_pt"]


def test_trajectory_spot_values(timeline_con):
    """Week 1 by hand: flare_rise_exactly_1 +1 (day 7), flare_quit_after_1_of_4 +2 (day 4),
    flare_quit_after_2_of_5 +1 (day 6), flare_2_of_2_planned_not_quit +2 (day 5),
    no_flare_quit_after_1_of_3 -1 (day 7): mean 1.0; days 2-3 belong to no week (nearer
    week 0, which stops at day 0)."""
    got = trajectories.nrs_trajectory(Query(timeline_con, Scope(), Filters(), SETTINGS))
    week1 = got[got["week"] == 1].iloc[0]
    assert week1["n_courses"] == 5 and week1["mean_change"] == pytest.approx(1.0)
    # week 0: every course with a baseline (21 of 22: no_baseline_flare_event has none)
    assert got.loc[got["week"] == 0, "n_courses"].item() == 21
