"""What the provider pages show, shaped from the core's results (pure pandas, no UI).

The Providers, My practice and Cases like this pages (issue 3) read results of
:mod:`queries.analytics.providers`, :mod:`queries.stats.funnel` and :mod:`queries.analytics.timeline` and pass them
through these functions before drawing, so that no page does arithmetic or row work:

- :func:`funnel_view`: the points a funnel plot draws, its limit curves and the providers
  with too few courses for a point (methods.md section 4). In a provider's scope the peers
  arrive unlabelled from the core; here they are also put in order of their volume, so their
  order cannot hint at their ids, and peers with too few courses are dropped (a lone small
  volume could identify a colleague: methods.md section 6).
- :func:`hide_small_groups`: small-cell hiding for "cases like this" (methods.md section 6,
  CMS cell-size policy): a group with fewer than ``min_cell`` courses with follow-up keeps
  its row but loses its counts and rates; when a hidden group could be worked out from the
  clinic's total, the next smallest group is hidden too (complementary suppression).
- :func:`trajectory_like_this`: the typical NRS trajectory of similar courses, with weeks
  holding fewer than ``min_cell`` courses hidden.
- :func:`baseline_pain`: mean baseline pain per group with a Student t interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.core.errors import InsufficientData
from queries.stats.funnel import FunnelResult, funnel_limit_curve
from queries.analytics.providers import CaseProfile
from queries.stats.intervals import level_suffix, wilson_interval
from queries.stats.trajectory import trajectory_by_week

ANY = "any"  # the "no restriction" choice of each "cases like this" picker
CLINIC = "clinic"  # the group name the core gives the whole clinic
HIDDEN_COUNTS = ("n_courses", "n_eligible", "n_followup", "n_responders")


def case_profile(indication: str = ANY, severity_class: str = ANY, age_band: str = ANY,
                 rehab: str = ANY) -> CaseProfile:
    """The picked case; ``"any"`` (or None) leaves that factor open."""
    def value(choice: str | None) -> str | None:
        return None if choice in (None, ANY) else choice

    return CaseProfile(indication=value(indication), severity_class=value(severity_class),
                       age_band=value(age_band), rehab=value(rehab))


# --- funnel -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelView:
    """A funnel ready to draw.

    ``points``: the units with a point of their own (``flag`` not ``too_few``), with the
    unit table's columns plus ``x`` (n or expected), ``y`` (rate or O/E) and, for proportion
    funnels, the Wilson interval of the rate (``rate_ci_lower_{lvl}``/``..._upper_..``).
    ``curve``: :func:`queries.stats.funnel.funnel_limit_curve` with the same ``x`` column.
    ``too_few``: labelled units below ``min_n`` courses (``unit_id, n``), sorted by id; in a
    provider's scope only the provider themself can appear here. ``self_too_few``: the
    scope's own provider has too few courses for a point.
    """

    result: FunnelResult
    points: pd.DataFrame
    curve: pd.DataFrame
    too_few: pd.DataFrame
    self_too_few: bool


def funnel_view(result: FunnelResult, level: float = 0.95) -> FunnelView:
    """Split a computed funnel into points, limit curves and "not enough courses yet"."""
    units = result.units.copy()
    if "is_self" not in units.columns:
        units["is_self"] = False
    masked = bool((units["unit_id"] == "").any())
    units["x"] = units[result.precision].astype(float)
    units["y"] = units[result.measure].astype(float)
    lower, upper = wilson_interval(units["observed"], units["n"], level)
    sfx = level_suffix(level)
    units[f"rate_ci_lower_{sfx}"] = lower
    units[f"rate_ci_upper_{sfx}"] = upper
    few = units["flag"] == "too_few"
    points = units[~few]
    if masked:  # peers in volume order, never in the (hidden) id order
        points = points.sort_values(["is_self", "x"], kind="stable")
    too_few = units[few & (units["is_self"] | (not masked))][["unit_id", "n", "is_self"]]
    curve = funnel_limit_curve(result).rename(columns={result.precision: "x"})
    return FunnelView(result, points.reset_index(drop=True), curve,
                      too_few.sort_values("unit_id").reset_index(drop=True),
                      bool((few & units["is_self"]).any()))


def shrunken_view(shrunken: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """The caterpillar's rows: units with enough courses, in provider-id order (no ranks).

    Raises :class:`InsufficientData` when no provider has ``min_n`` courses with follow-up.
    """
    rows = shrunken[shrunken["enough_courses"].astype(bool)]
    if rows.empty:
        raise InsufficientData(f"No provider has {min_n} courses with follow-up yet, so "
                               "there are no shrunken rates to show.")
    return rows.sort_values("unit_id", kind="stable").reset_index(drop=True)


# --- small cells ------------------------------------------------------------------------------

def hidden_note(min_cell: int) -> str:
    """What a hidden group shows instead of its numbers."""
    return f"fewer than {min_cell} courses with follow-up — hidden"


COMPLEMENT_NOTE = "hidden too, so that a smaller group cannot be worked out from the total"


def hide_small_groups(frame: pd.DataFrame, min_cell: int,
                      denominator: str = "n_followup") -> pd.DataFrame:
    """Small-cell hiding of a clinic-then-groups table (methods.md section 6).

    A row whose ``denominator`` is below ``min_cell`` keeps its group name; its counts
    (:data:`HIDDEN_COUNTS`) and every rate and interval become missing, ``is_hidden`` is True
    and ``note`` says why. Complementary suppression: while the clinic row is shown and the
    hidden groups could be worked out from it (one hidden group, or hidden groups whose
    total is below ``min_cell``: total minus the shown groups), the shown group with the
    smallest ``denominator`` is hidden as well (its ``note`` says so). Shown rows have an
    empty ``note``.
    """
    out = frame.copy()
    for col in HIDDEN_COUNTS:
        if col in out.columns:
            out[col] = out[col].astype("Int64")
    size = out[denominator].fillna(0).to_numpy(dtype=float)
    small = (size < min_cell) & (min_cell > 1)  # with a threshold of 1 no count is small
    groups = (out["group"] != CLINIC).to_numpy()
    clinic_shown = bool((~groups & ~small).any())
    complement = np.zeros(len(out), dtype=bool)
    while clinic_shown:
        hidden_groups = (small | complement) & groups
        total = size[hidden_groups].sum()
        recoverable = hidden_groups.sum() == 1 or 0 < total < min_cell
        shown_groups = groups & ~(small | complement)
        if not hidden_groups.any() or not recoverable or not shown_groups.any():
            break
        complement[int(np.argmin(np.where(shown_groups, size, np.inf)))] = True
    hidden = small | complement
    value_columns = [c for c in out.columns
                     if c in HIDDEN_COUNTS or c.endswith("_rate") or "_ci_" in c
                     or c.startswith("ci_")]
    out.loc[hidden, value_columns] = pd.NA
    out["is_hidden"] = hidden
    out["note"] = np.where(small, hidden_note(min_cell),
                           np.where(complement, COMPLEMENT_NOTE, ""))
    return out


def trajectory_like_this(changes: pd.DataFrame, courses: pd.DataFrame, profile: CaseProfile,
                         min_cell: int, level: float = 0.95) -> pd.DataFrame:
    """Mean change in NRS pain by week among the courses matching ``profile``.

    ``changes``: :func:`queries.analytics.timeline.nrs_changes` (long, one row per value);
    ``courses``: :func:`queries.analytics.providers.course_factors` of the same scope and filters.
    Returns :func:`queries.stats.trajectory.trajectory_by_week` columns plus ``is_hidden``: weeks
    with fewer than ``min_cell`` courses keep their row with the numbers missing. Raises
    :class:`InsufficientData` when no week can be shown.
    """
    similar = courses.loc[profile.matches(courses), "course_id"]
    rows = changes[changes["course_id"].isin(similar)]
    sfx = level_suffix(level)
    columns = ["group", "week", "n_courses", "mean_change", f"ci_lower_{sfx}",
               f"ci_upper_{sfx}"]
    weeks = (trajectory_by_week(rows, None, level) if not rows.empty
             else pd.DataFrame(columns=columns))
    weeks["n_courses"] = weeks["n_courses"].astype("Int64")
    hidden = (weeks["n_courses"].fillna(0) < min_cell).to_numpy(dtype=bool)
    weeks.loc[hidden, ["n_courses", "mean_change", f"ci_lower_{sfx}",
                       f"ci_upper_{sfx}"]] = pd.NA
    weeks["is_hidden"] = hidden
    if hidden.all():
        raise InsufficientData(f"Fewer than {min_cell} similar courses with a pain score in "
                               "any week, so their trajectory is hidden.")
    return weeks.reset_index(drop=True)


# --- case mix and process ---------------------------------------------------------------------

def baseline_pain(process: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean baseline NRS pain per group with a Student t interval from the group's mean,
    sample SD and n: mean ± t(level, n-1)·sd/sqrt(n) (the summary-statistic form of
    :func:`queries.stats.intervals.t_interval`). NaN bounds below two courses with a baseline.

    Columns: group, n_with_baseline, mean_baseline_score, baseline_ci_lower_{lvl},
    baseline_ci_upper_{lvl}.
    """
    n = process["n_with_baseline"].to_numpy(dtype=float)
    mean = process["mean_baseline_score"].to_numpy(dtype=float)
    sd = process["sd_baseline_score"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _sps.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = t * sd / np.sqrt(n)
    sfx = level_suffix(level)
    return pd.DataFrame({
        "group": process["group"].to_numpy(),
        "n_with_baseline": process["n_with_baseline"].astype("Int64").to_numpy(),
        "mean_baseline_score": mean,
        f"baseline_ci_lower_{sfx}": np.where(n > 1, mean - half, np.nan),
        f"baseline_ci_upper_{sfx}": np.where(n > 1, mean + half, np.nan),
    })


def estimable_odds_ratios(associations: pd.DataFrame) -> pd.DataFrame:
    """The forest plot's rows: estimable terms with finite intervals, in model order."""
    sfx_cols = [c for c in associations.columns if c.startswith("ci_")]
    finite = np.isfinite(associations[["odds_ratio", *sfx_cols]].to_numpy(dtype=float)).all(1)
    keep = ~associations["aliased"].astype(bool).to_numpy() & finite
    if not keep.any():
        raise InsufficientData("The model could not estimate any odds ratio from these "
                               "courses.")
    return associations[keep].reset_index(drop=True)
