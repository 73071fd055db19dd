"""Mean change from baseline by week, with t intervals (methods.md section 5: trajectory).

Steps, one function each:

1. :func:`assign_weeks`: each measurement goes to the nearest trajectory week (the later
   week on a tie) and is kept only inside that week's window (:data:`TRAJECTORY_WINDOWS`);
   one value per course per week - the one nearest the week's target day, the later
   day on a tie (the same tie rule as methods.md section 1);
2. :func:`summarise_by_week`: per group and week, the number of courses and the mean
   change with a Student t interval (methods.md section 3;
   :func:`queries.stats.intervals.t_interval`);
3. :func:`trajectory_by_week`: 1 then 2.

At scale the same rule runs set-wise: :func:`week_day_ranges` gives the days each week takes,
for the load-time mart ``sql/marts/course_trajectory_weeks.sql`` (step 1, once per load); a
page's query sums per group and week and :func:`summarise_moments` adds the t intervals
(step 2). The pandas steps above stay the independent reference the tests compare against.

Also the early-flare window (methods.md section 5: NRS at day 1-10 >= baseline + 1) as
constants, for the marker drawn on the trajectory chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from queries.stats.intervals import level_suffix, t_interval


@dataclass(frozen=True)
class WeekWindow:
    """The days (inclusive) whose measurements may stand for one trajectory week."""

    week: int
    first_day: int
    last_day: int

    @property
    def target_day(self) -> int:
        """Day 7 x week (methods.md section 5)."""
        return 7 * self.week


# Trajectory weeks (methods.md section 5) and their windows: target day = 7 x week,
# +/-3 days for weeks 1-4, +/-7 for 6 and 8, +/-14 for 12, +/-28 for 26 and +/-42 for 52
# (the last two as methods.md section 1's 26- and 52-week windows; week 12 is narrower
# than the primary 84 +/- 28 so that it does not swallow week 8).
# Week 0 is the baseline: the latest value on or before day 0 (methods.md section 1), so
# its window is day -60 (the contract's earliest assessment day) to 0, never after day 0.
TRAJECTORY_WEEKS: tuple[int, ...] = (0, 1, 2, 3, 4, 6, 8, 12, 26, 52)
_HALF_WIDTH_DAYS = {1: 3, 2: 3, 3: 3, 4: 3, 6: 7, 8: 7, 12: 14, 26: 28, 52: 42}
TRAJECTORY_WINDOWS: tuple[WeekWindow, ...] = (
    WeekWindow(0, -60, 0),
    *(WeekWindow(w, 7 * w - h, 7 * w + h) for w, h in _HALF_WIDTH_DAYS.items()),
)

# The early-flare window (methods.md section 5) is a setting: Settings.flare_first_day etc.

ALL_COURSES = "all courses"


def nearest_week(days, windows: tuple[WeekWindow, ...] = TRAJECTORY_WINDOWS) -> np.ndarray:
    """The trajectory week each day belongs to, or -1 if it is in no window.

    A day is compared with every week's target day; the nearest wins (the later week on a
    tie, e.g. day 49 between week 6 and week 8 goes to week 8), and counts only if it is
    inside that week's window. Week 0 (baseline) takes only days -60..0.
    """
    d = np.asarray(days, dtype=float)
    targets = np.array([w.target_day for w in windows], dtype=float)
    weeks = np.array([w.week for w in windows])
    first = np.array([w.first_day for w in windows], dtype=float)
    last = np.array([w.last_day for w in windows], dtype=float)
    dist = np.abs(d[:, None] - targets[None, :])
    # nearest target; on a tie the later week (argmin over the reversed columns)
    k = dist.shape[1] - 1 - np.argmin(dist[:, ::-1], axis=1)
    inside = (d >= first[k]) & (d <= last[k])
    return np.where(inside, weeks[k], -1)


def assign_weeks(
    frame: pd.DataFrame,
    course_col: str = "course_id",
    day_col: str = "day",
    value_col: str = "change_from_baseline",
    windows: tuple[WeekWindow, ...] = TRAJECTORY_WINDOWS,
) -> pd.DataFrame:
    """One value per course per trajectory week (see :func:`nearest_week`).

    Returns the input's rows that were kept, with a ``week`` column and a
    ``days_from_target`` column, one row per course x week: the measurement nearest the
    week's target day, the later day on a tie. Out-of-window days and missing values are
    dropped. Other columns (e.g. a group) are carried along.
    """
    missing = {course_col, day_col, value_col} - set(frame.columns)
    if missing:
        raise ValueError(f"trajectory input lacks column(s) {sorted(missing)}")
    rows = frame[frame[value_col].notna() & frame[day_col].notna()].copy()
    rows["week"] = nearest_week(rows[day_col].to_numpy(dtype=float), windows)
    rows = rows[rows["week"] >= 0]
    target = {w.week: w.target_day for w in windows}
    rows["days_from_target"] = rows[day_col] - rows["week"].map(target)
    rows["_distance"] = rows["days_from_target"].abs()
    rows = rows.sort_values(
        [course_col, "week", "_distance", day_col],
        ascending=[True, True, True, False],
        kind="stable",
    )
    kept = rows.drop_duplicates([course_col, "week"], keep="first")
    return kept.drop(columns="_distance").sort_values([course_col, "week"]).reset_index(drop=True)


def _group_order(col: pd.Series) -> list:
    """Groups present, in categorical order when the column is categorical, else sorted."""
    present = set(col.dropna().unique())
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories if c in present]
    return sorted(present)


def summarise_by_week(
    assigned: pd.DataFrame,
    value_col: str = "change_from_baseline",
    course_col: str = "course_id",
    group_col: str | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Per group and week: ``group, week, n_courses, mean_change, ci_lower_95,
    ci_upper_95`` (Student t interval, methods.md section 3; NaN bounds where n < 2).

    Groups in natural order (categorical order where the column is categorical), weeks
    ascending; a week with no course in a group has no row. ``group`` is
    :data:`ALL_COURSES` when ``group_col`` is None. Rows with a missing group are refused.
    """
    sfx = level_suffix(confidence_level)
    data = assigned
    if group_col is None:
        data = assigned.assign(_group=ALL_COURSES)
        gcol, order = "_group", [ALL_COURSES]
    else:
        if assigned[group_col].isna().any():
            raise ValueError(
                f"{group_col} has missing values: give them their own group (e.g. 'unknown') first"
            )
        gcol, order = group_col, _group_order(assigned[group_col])
    out = []
    for key in order:
        in_group = data[data[gcol] == key]
        for week, rows in in_group.groupby("week", sort=True):
            if rows[course_col].duplicated().any():
                raise ValueError("more than one value per course and week: use assign_weeks")
            ci = t_interval(rows[value_col].to_numpy(dtype=float), confidence_level)
            out.append(
                {
                    "group": key,
                    "week": int(cast(int, week)),
                    "n_courses": ci.n,
                    "mean_change": ci.mean,
                    f"ci_lower_{sfx}": ci.lower,
                    f"ci_upper_{sfx}": ci.upper,
                }
            )
    columns = ["group", "week", "n_courses", "mean_change", f"ci_lower_{sfx}", f"ci_upper_{sfx}"]
    return pd.DataFrame(out, columns=columns)


def trajectory_by_week(
    frame: pd.DataFrame,
    group_col: str | None = None,
    confidence_level: float = 0.95,
    course_col: str = "course_id",
    day_col: str = "day",
    value_col: str = "change_from_baseline",
    windows: tuple[WeekWindow, ...] = TRAJECTORY_WINDOWS,
) -> pd.DataFrame:
    """Mean change from baseline by trajectory week with t intervals (methods.md section 5).

    ``frame`` is long: one row per measurement (``course_id, day, change_from_baseline``
    and, if given, ``group_col``). See :func:`assign_weeks` and :func:`summarise_by_week`.
    """
    assigned = assign_weeks(frame, course_col, day_col, value_col, windows)
    return summarise_by_week(assigned, value_col, course_col, group_col, confidence_level)


def week_day_ranges(
    windows: tuple[WeekWindow, ...] = TRAJECTORY_WINDOWS, first_day: int = -60, last_day: int = 730
) -> tuple[WeekWindow, ...]:
    """The whole days each week takes under :func:`nearest_week` (nearest target, the later week
    on a tie, inside its window), as one contiguous range per week: what the load-time mart
    ``sql/marts/course_trajectory_weeks.sql`` joins days on, so that SQL and this module share
    one rule. Days run from the contract's first to its last assessment day (-60..730). The
    days nearer one target than any other form a range, and so does a window: what a week
    takes is one range (or none)."""
    days = np.arange(first_day, last_day + 1)
    weeks = nearest_week(days, windows)
    ranges = []
    for window in windows:
        taken = days[weeks == window.week]
        if taken.size:
            ranges.append(WeekWindow(window.week, int(taken[0]), int(taken[-1])))
    return tuple(ranges)


def mart_weeks(windows: tuple[WeekWindow, ...] = TRAJECTORY_WINDOWS) -> list[dict[str, int]]:
    """:func:`week_day_ranges` as the ``$week_slots`` parameter of the load's marts
    (marts/primary_course_values.sql, course_trajectory_weeks.sql)."""
    return [
        {
            "week": w.week,
            "target_day": w.target_day,
            "first_day": w.first_day,
            "last_day": w.last_day,
        }
        for w in week_day_ranges(windows)
    ]


def nearness(day: int, target_day: int) -> int:
    """How near ``day`` is to ``target_day`` (smaller = nearer, the later day on a tie): the
    formula of ``sql/macros.sql`` nearness, which the load's marts take the smallest of."""
    return abs(day - target_day) * 10000 - day


def _window_holding(week: dict[str, int], windows: list[dict[str, Any]]) -> int | None:
    """The position (1-based) of a follow-up window whose value tells the week's: the same
    target day, a range that holds the week's, and every day of it outside the week's range
    less near the target than every day inside. Then the window's nearest value is the week's
    when its day lies in the week, and the week has no value when it does not (a value in the
    week would have been nearer). None when no window does."""
    first, last, target = week["first_day"], week["last_day"], week["target_day"]
    farthest_inside = max(nearness(first, target), nearness(last, target))
    for at, w in enumerate(windows, start=1):
        if w["target_day"] != target or not w["first_day"] <= first <= last <= w["last_day"]:
            continue
        outside = [d for d in (first - 1, last + 1) if w["first_day"] <= d <= w["last_day"]]
        if all(nearness(d, target) > farthest_inside for d in outside):
            return at
    return None


def week_plan(
    weeks: list[dict[str, int]], windows: list[dict[str, Any]], first_day: int = -60
) -> dict[str, list[dict[str, Any]]]:
    """The parameters ``$week_slots`` and ``$own_weeks`` of ``sql/marts/primary_course_values.sql``:
    each week of ``weeks`` (:func:`mart_weeks`) with where its value comes from, so that the
    mart computes only the weeks no other value of the same course tells (issue 10: at a
    million courses the ten weeks were 20 of its 31 aggregates).

    - ``baseline``: a week of target day 0 that takes every day from the contract's first
      (``first_day``) to 0 is the baseline (the latest value with day <= 0: the nearest to 0,
      the later on a tie);
    - ``window``: a follow-up window tells it (:func:`_window_holding`; ``at`` its position);
    - ``own``: its own aggregate, the ``at``-th of ``$own_weeks``. At least one week is its
      own (the mart's list of own weeks cannot be empty)."""
    slots: list[dict[str, Any]] = []
    own: list[dict[str, int]] = []
    for week in weeks:
        at = _window_holding(week, windows)
        if week["target_day"] == 0 and week["last_day"] == 0 and week["first_day"] <= first_day:
            slots.append({**week, "source": "baseline", "at": 0})
        elif at is not None:
            slots.append({**week, "source": "window", "at": at})
        else:
            own.append(week)
            slots.append({**week, "source": "own", "at": len(own)})
    if not own and slots:
        own.append({k: v for k, v in slots[0].items() if k not in ("source", "at")})
        slots[0] = {**slots[0], "source": "own", "at": 1}
    return {"week_slots": slots, "own_weeks": own}


def summarise_moments(moments: pd.DataFrame, confidence_level: float = 0.95) -> pd.DataFrame:
    """:func:`summarise_by_week`'s table from per group and week sums that SQL computed
    set-wise (``group, week, n_courses, mean_change, sd_change``: count, mean and sample
    standard deviation of the one value per course and week), with the same Student t interval
    (methods.md section 3; NaN bounds where n < 2). Rows keep the order they come in."""
    sfx = level_suffix(confidence_level)
    n = moments["n_courses"].to_numpy(dtype=int)
    mean = moments["mean_change"].to_numpy(dtype=float)
    sd = moments["sd_change"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        from scipy import stats as sps  # here: scipy.stats takes half a second to import

        t = sps.t.ppf(0.5 + confidence_level / 2, df=np.where(n >= 2, n - 1, 1))
        half = np.where(n >= 2, t * sd / np.sqrt(n), np.nan)
    return pd.DataFrame(
        {
            "group": moments["group"].to_numpy(dtype=object),
            "week": moments["week"].to_numpy(dtype=int),
            "n_courses": n,
            "mean_change": mean,
            f"ci_lower_{sfx}": mean - half,
            f"ci_upper_{sfx}": mean + half,
        }
    )
