"""Kaplan-Meier survival curves with at-risk counts (methods.md section 5: durability).

Pure functions on pandas/numpy, one step each:

- :func:`kaplan_meier`: the product-limit estimate (Kaplan & Meier 1958, JASA 53:457) for
  right-censored data, Greenwood (1926) variance, pointwise log(-log) intervals;
- :func:`kaplan_meier_by_group`: the same per group, stacked long with a ``group`` column;
- :func:`at_risk_table`: numbers at risk (and events / censored so far) at chosen times,
  for the table printed under a survival plot;
- :func:`survival_at`: the step function read off at chosen times (e.g. S(365));
- :func:`median_survival`: the median with the Brookmeyer & Crowley (1982) interval;
- :func:`cumulative_incidence_by`: 1 - KM at a horizon per group ("escalation to surgery
  within 12 months by severity").

Checked against ``statsmodels.duration.survfunc.SurvfuncRight`` in tests/test_survival.py.
lifelines is not used (not allowed in this project).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pandas._typing import Scalar

from queries.stats.intervals import Bounds, level_suffix, z_value

GROUP_COLUMN = "group"
MEDIAN = 0.5  # the survival probability whose time is the median survival


class IntervalColumns(NamedTuple):
    """Names of the lower and upper interval columns at one level (``ci_lower_95`` ...)."""

    lower: str
    upper: str


class SurvivalData(NamedTuple):
    """Checked survival input: durations as floats, events as 0/1 integers."""

    durations: np.ndarray
    events: np.ndarray


class GroupCurve(NamedTuple):
    """One group's rows of a KM table (``group`` None for a one-curve table)."""

    group: Scalar | None
    rows: pd.DataFrame


def _ci_columns(confidence_level: float) -> IntervalColumns:
    """``ci_lower_95`` / ``ci_upper_95`` (suffix from the level)."""
    sfx = level_suffix(confidence_level)
    return IntervalColumns(f"ci_lower_{sfx}", f"ci_upper_{sfx}")


def _clean_inputs(durations, events) -> SurvivalData:
    """Durations as floats and events as 0/1; refuses NaN, negative times and non-0/1 events."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError(
            f"durations and events must be 1-d and the same length (got {t.shape} and {e.shape})"
        )
    if t.size == 0:
        raise ValueError("no courses to estimate a survival curve from")
    if np.isnan(t).any():
        raise ValueError("durations contain missing values: drop or censor those courses first")
    if (t < 0).any():
        raise ValueError(f"durations must be >= 0 (smallest is {t.min():g})")
    e_num = pd.to_numeric(pd.Series(e), errors="coerce").to_numpy(dtype=float)
    if np.isnan(e_num).any() or not np.isin(e_num, (0.0, 1.0)).all():
        raise ValueError("events must be 0 (censored) or 1 (event), with no missing values")
    return SurvivalData(t, e_num.astype(int))


def risk_set_counts(durations, events, counts=None) -> pd.DataFrame:
    """Counts at each distinct time: ``time, n_at_risk, n_events, n_censored``.

    ``counts`` (optional, whole numbers >= 0): how many courses each row stands for, so that
    SQL can hand over one row per duration and event instead of one per course (issue 10);
    the estimate is the same as with every course given once.

    Rows are time 0 and every distinct observed time (event or censoring), ascending.
    ``n_at_risk`` is the number still under observation just before ``time`` (duration >=
    time), the usual convention (events at t are at risk at t; censored at t are counted
    at risk at t, censoring taken to happen just after the events).
    """
    t, e = _clean_inputs(durations, events)
    w = np.ones(t.size) if counts is None else np.asarray(counts, dtype=float)
    if w.shape != t.shape or (w < 0).any() or (w != np.round(w)).any():
        raise ValueError("counts must be whole numbers >= 0, one per duration")
    times = np.unique(np.concatenate(([0.0], t)))
    idx = np.searchsorted(times, t)
    n_events = np.rint(np.bincount(idx, weights=e * w, minlength=times.size)).astype(int)
    n_leaving = np.rint(np.bincount(idx, weights=w, minlength=times.size)).astype(int)
    n_at_risk = np.cumsum(n_leaving[::-1])[::-1]
    return pd.DataFrame(
        {
            "time": times,
            "n_at_risk": n_at_risk,
            "n_events": n_events,
            "n_censored": n_leaving - n_events,
        }
    )


def product_limit(n_at_risk, n_events) -> np.ndarray:
    """Kaplan-Meier product-limit estimate S(t) = prod_{t_j <= t} (1 - d_j / n_j).

    Kaplan & Meier 1958 (JASA 53:457). Rows with no one at risk contribute a factor 1.
    """
    n = np.asarray(n_at_risk, dtype=float)
    d = np.asarray(n_events, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 0, 1 - d / n, 1.0)
    return np.cumprod(factor)


def greenwood_sum(n_at_risk, n_events) -> np.ndarray:
    """Greenwood's cumulative sum  sum_{t_j <= t} d_j / (n_j (n_j - d_j)).

    Greenwood 1926 (Reports on Public Health and Medical Subjects 33); Var S(t) =
    S(t)^2 * this sum. Infinite from the time the curve drops to 0 (n_j == d_j).
    """
    n = np.asarray(n_at_risk, dtype=float)
    d = np.asarray(n_events, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(d > 0, np.where(n > d, d / (n * (n - d)), np.inf), 0.0)
    return np.cumsum(term)


def loglog_interval(survival, greenwood, confidence_level: float = 0.95) -> Bounds:
    """Pointwise interval on the log(-log S) scale ("log-log" / "cloglog" transform).

    theta = log(-log S), se(theta) = sqrt(greenwood) / |log S| (delta method); the interval
    S^exp(+z se) .. S^exp(-z se) stays inside (0, 1). Kalbfleisch & Prentice 2002 (section
    4.3), Collett 2015 (section 2.2.3); the default of SAS PROC LIFETEST (CONFTYPE=LOGLOG)
    and the transform statsmodels' ``SurvfuncRight.quantile_ci`` uses by default.
    Where S == 1 (no event yet) the interval is [1, 1]; where S == 0 it is NaN.
    """
    s = np.asarray(survival, dtype=float)
    g = np.asarray(greenwood, dtype=float)
    z = z_value(confidence_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        se_theta = np.sqrt(g) / np.abs(np.log(s))
        lower = s ** np.exp(z * se_theta)
        upper = s ** np.exp(-z * se_theta)
    one = s >= 1.0
    zero = (s <= 0.0) | ~np.isfinite(g)
    lower = np.where(one, 1.0, np.where(zero, np.nan, lower))
    upper = np.where(one, 1.0, np.where(zero, np.nan, upper))
    return Bounds(lower, upper)


def kaplan_meier(durations, events, confidence_level: float = 0.95, counts=None) -> pd.DataFrame:
    """Kaplan-Meier estimate for right-censored data, with Greenwood standard errors.

    Columns: ``time, n_at_risk, n_events, n_censored, survival, std_error,
    ci_lower_95, ci_upper_95`` (suffix follows ``confidence_level``). One row at time 0 and
    one per distinct observed time, so censoring-only times are kept for the at-risk table;
    ``survival`` is the value on ``[time, next time)``. Method: Kaplan & Meier 1958;
    ``std_error`` = S * sqrt(Greenwood sum) (Greenwood 1926); interval: log(-log)
    transform (:func:`loglog_interval`). ``events``: 1 = event seen, 0 = censored;
    ``counts``: courses per row (:func:`risk_set_counts`).
    """
    table = risk_set_counts(durations, events, counts)
    s = product_limit(table["n_at_risk"], table["n_events"])
    g = greenwood_sum(table["n_at_risk"], table["n_events"])
    with np.errstate(invalid="ignore"):
        se = np.where(np.isfinite(g), s * np.sqrt(g), np.nan)
    lower, upper = loglog_interval(s, g, confidence_level)
    lo_col, hi_col = _ci_columns(confidence_level)
    table["survival"] = s
    table["std_error"] = se
    table[lo_col] = lower
    table[hi_col] = upper
    return table


def _group_keys(frame: pd.DataFrame, group_col: str) -> list:
    """Groups in their natural order: categorical order if the column is categorical
    (empty categories skipped), sorted otherwise. Missing group values are refused."""
    col = frame[group_col]
    if col.isna().any():
        raise ValueError(
            f"{group_col} has missing values: give them their own group "
            f"(e.g. 'unknown') before estimating"
        )
    present = set(col.unique())
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories if c in present]
    return sorted(present)


def kaplan_meier_by_group(
    frame: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    confidence_level: float = 0.95,
    count_col: str | None = None,
) -> pd.DataFrame:
    """:func:`kaplan_meier` (Kaplan & Meier 1958, Greenwood SEs, log(-log) intervals) for
    each group, stacked long with a leading ``group`` column; ``count_col``: the column
    saying how many courses each row stands for (None: one each)."""
    parts = []
    for key in _group_keys(frame, group_col):
        rows = frame[frame[group_col] == key]
        counts = None if count_col is None else rows[count_col]
        km = kaplan_meier(rows[duration_col], rows[event_col], confidence_level, counts)
        km.insert(0, GROUP_COLUMN, key)
        parts.append(km)
    if not parts:
        raise ValueError("no rows to estimate a survival curve from")
    return pd.concat(parts, ignore_index=True)


def _per_group(km: pd.DataFrame) -> Iterator[GroupCurve]:
    """Yield each :class:`GroupCurve` of a one-curve or a long by-group KM table."""
    if GROUP_COLUMN in km.columns:
        for key, rows in km.groupby(GROUP_COLUMN, sort=False, observed=True):
            yield GroupCurve(key, rows.reset_index(drop=True))
    else:
        yield GroupCurve(None, km.reset_index(drop=True))


def _check_times(times) -> np.ndarray:
    """Times to read a curve at, as floats; refuses missing or negative times."""
    ts = np.asarray(times, dtype=float)
    if ts.ndim != 1 or np.isnan(ts).any() or (ts < 0).any():
        raise ValueError("times must be a list of non-negative numbers")
    return ts


def at_risk_table(km: pd.DataFrame, times) -> pd.DataFrame:
    """Numbers at risk at chosen times (e.g. 0, 90, 180, 270, 365 days), from a KM table.

    Columns: ``[group,] time, n_at_risk, n_events_so_far, n_censored_so_far``:
    ``n_at_risk`` = still under observation just before ``time`` (duration >= time; the
    convention of R ``summary.survfit(times=)`` and statsmodels' ``n_risk``);
    the ``_so_far`` counts are events / censorings at or before ``time``. Works on the
    output of :func:`kaplan_meier` or :func:`kaplan_meier_by_group`.
    """
    ts = _check_times(times)
    out = []
    for key, rows in _per_group(km):
        row_t = rows["time"].to_numpy(dtype=float)
        risk = rows["n_at_risk"].to_numpy()
        cum_e = np.cumsum(rows["n_events"].to_numpy())
        cum_c = np.cumsum(rows["n_censored"].to_numpy())
        nxt = np.searchsorted(row_t, ts, side="left")  # first row with time >= t
        upto = np.searchsorted(row_t, ts, side="right") - 1  # last row with time <= t
        part = pd.DataFrame(
            {
                "time": ts,
                "n_at_risk": np.where(nxt < row_t.size, risk[np.minimum(nxt, row_t.size - 1)], 0),
                "n_events_so_far": np.where(upto >= 0, cum_e[np.maximum(upto, 0)], 0),
                "n_censored_so_far": np.where(upto >= 0, cum_c[np.maximum(upto, 0)], 0),
            }
        )
        if key is not None:
            part.insert(0, GROUP_COLUMN, key)
        out.append(part)
    return pd.concat(out, ignore_index=True)


def survival_at(km: pd.DataFrame, times) -> pd.DataFrame:
    """The KM step function and its interval read off at chosen times.

    Columns: ``[group,] time, survival, std_error, ci_lower_.., ci_upper_..`` (value on the
    last row with row time <= t). Beyond the last observed time the curve is undefined
    unless it already reached 0, so those rows are NaN (not extrapolated).
    """
    ts = _check_times(times)
    ci_cols = [c for c in km.columns if c.startswith(("ci_lower_", "ci_upper_"))]
    value_cols = ["survival", "std_error", *ci_cols]
    out = []
    for key, rows in _per_group(km):
        row_t = rows["time"].to_numpy(dtype=float)
        upto = np.searchsorted(row_t, ts, side="right") - 1
        part = pd.DataFrame({"time": ts})
        for col in value_cols:
            vals = rows[col].to_numpy(dtype=float)[upto]
            beyond = (ts > row_t[-1]) & (rows["survival"].iloc[-1] > 0)
            part[col] = np.where(beyond, np.nan, vals)
        if key is not None:
            part.insert(0, GROUP_COLUMN, key)
        out.append(part)
    return pd.concat(out, ignore_index=True)


@dataclass(frozen=True)
class MedianSurvival:
    """Median survival time with its interval; NaN where the curve (or a limit) never
    reaches 0.5, ``upper`` is ``inf`` where the interval is open to the right."""

    median: float
    lower: float
    upper: float
    confidence_level: float


def median_survival(km: pd.DataFrame, confidence_level: float = 0.95) -> MedianSurvival:
    """Median survival: the first time the KM curve is at or below 0.5.

    Definition: smallest t with S(t) <= 0.5 (Collett 2015 section 2.4; R ``survfit``
    except its mid-point rule where S is exactly 0.5 over an interval). NaN if the curve
    stays above 0.5. Interval: Brookmeyer & Crowley 1982 (Biometrics 38:29) - the event
    times whose log(-log) test of S(t) = 0.5 is not rejected, as in statsmodels'
    ``SurvfuncRight.quantile_ci(0.5, method="cloglog")`` and SAS PROC LIFETEST: lower = the
    first such time, upper = the next event time after the last such time (``inf`` if none).
    Takes a one-curve table from :func:`kaplan_meier`.
    """
    if GROUP_COLUMN in km.columns:
        raise ValueError("median_survival takes one curve; select a group first")
    ev = km[km["n_events"] > 0]
    t = ev["time"].to_numpy(dtype=float)
    s = ev["survival"].to_numpy(dtype=float)
    below = np.flatnonzero(s <= MEDIAN)
    median = float(t[below[0]]) if below.size else float("nan")
    z = z_value(confidence_level)
    se = ev["std_error"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = (np.log(-np.log(s)) - np.log(-np.log(MEDIAN))) / (-se / (s * np.log(s)))
    inside = np.flatnonzero(np.abs(stat) <= z)
    if inside.size == 0:
        return MedianSurvival(median, float("nan"), float("nan"), confidence_level)
    lower = float(t[inside[0]])
    upper = float(t[inside[-1] + 1]) if inside[-1] + 1 < t.size else float("inf")
    return MedianSurvival(median, lower, upper, confidence_level)


def cumulative_incidence_by(
    frame: pd.DataFrame,
    duration_col: str,
    event_col: str,
    group_col: str,
    horizon: float,
    confidence_level: float = 0.95,
    count_col: str | None = None,
) -> pd.DataFrame:
    """Probability of the event by ``horizon`` per group, as 1 - KM (e.g. escalation to
    surgery within 365 days by severity).

    Columns: ``group, horizon, n_courses, n_events_by_horizon, n_at_risk_at_horizon,
    cumulative_incidence, ci_lower_95, ci_upper_95``. Uses 1 - S(horizon) with the
    log(-log) interval of S flipped, rather than a plain proportion with a Wilson interval,
    because courses followed for less than ``horizon`` are censored, not non-events.
    Competing events (e.g. death) are treated as censoring, which slightly overstates the
    incidence where they are common (then an Aalen-Johansen estimate is needed). A group
    whose follow-up ends before ``horizon`` (last time censored) gets NaN, not a guess.
    ``count_col`` as in :func:`kaplan_meier_by_group`.
    """
    km = kaplan_meier_by_group(
        frame, duration_col, event_col, group_col, confidence_level, count_col
    )
    lo_col, hi_col = _ci_columns(confidence_level)
    at = survival_at(km, [horizon])
    risk = at_risk_table(km, [horizon])
    n = km.groupby(GROUP_COLUMN, sort=False, observed=True)["n_at_risk"].first()
    out = pd.DataFrame(
        {
            GROUP_COLUMN: at[GROUP_COLUMN],
            "horizon": float(horizon),
            "n_courses": n.reindex(at[GROUP_COLUMN]).to_numpy(),
            "n_events_by_horizon": risk["n_events_so_far"].to_numpy(),
            "n_at_risk_at_horizon": risk["n_at_risk"].to_numpy(),
            "cumulative_incidence": 1 - at["survival"].to_numpy(),
            lo_col: 1 - at[hi_col].to_numpy(),
            hi_col: 1 - at[lo_col].to_numpy(),
        }
    )
    return out
