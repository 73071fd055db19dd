"""Funnel plots for comparing providers (methods.md section 4).

Pure functions on pandas/numpy inputs: SQL counts, these infer; ``dashboard/`` draws.
One small function per step, in the order the funnel is built:

    aggregate -> z -> winsorise -> phi -> tau² -> limits -> classify

Method: Spiegelhalter (2005) Stat Med 24:1185 (funnel plots, exact limits, appendix A.1),
Spiegelhalter et al. (2012) JRSS-A 175:1 (overdispersion by an additive random-effects
model on a variance-stabilising scale, DerSimonian & Laird 1986). Checked against the
reference implementation NHS-R FunnelPlotR (github.com/nhs-r-community/FunnelPlotR,
files ``R/od_adjustment.R``, ``R/calculate_limits.R``, ``R/build_limits_lookup.R``,
``R/funnel_plot.R``, ``R/outliers_func.R``), re-implemented here, not copied. The steps:

- aggregate, classify, the :func:`funnel` entry point and the limit curve: here;
- z -> winsorise -> phi -> tau²: :mod:`queries.stats.overdispersion`;
- the limits at one level (exact, or overdispersed when tau² > 0):
  :mod:`queries.stats.funnel_limits`;
- the case-mix-adjusted O/E funnel with Poisson-binomial limits (methods.md section 4), which
  ends with the same last step (:func:`classified_funnel`): :mod:`queries.stats.oe_funnel`;
- shrunken rates for a caterpillar plot: :mod:`queries.stats.shrinkage`.

A unit is outside a limit when strictly beyond it (on the limit counts as inside). Where
this differs from FunnelPlotR, on purpose: unadjusted proportion limits are exact
binomial, transformed limits are clipped (both in :mod:`queries.stats.funnel_limits`), the
limits are widened only when phi > 1 (:mod:`queries.stats.overdispersion`), and
units below ``min_n`` courses get the flag ``too_few`` and are left out of the
overdispersion estimate (methods.md: 20 courses before a provider gets a point). The
target still pools every course, so the proportion target is the clinic's rate and the
ratio target 1 matches a case-mix model fitted on all courses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.core.settings import Settings
from queries.stats.funnel_limits import (
    FunnelLimits,
    exact_binomial_limits,
    exact_ratio_limits,
    overdispersed_proportion_limits,
    overdispersed_ratio_limits,
)
from queries.stats.intervals import check_alert_alarm_levels, level_suffix
from queries.stats.overdispersion import (
    DEFAULT_TRIM,
    Overdispersion,
    TransformedScores,
    estimate_overdispersion,
    proportion_z_scores,
    ratio_z_scores,
)

# The levels and the minimum courses are settings (one definition); these are their defaults.
DEFAULT_ALERT_LEVEL = Settings.funnel_alert_level
DEFAULT_ALARM_LEVEL = Settings.funnel_alarm_level
DEFAULT_MIN_N = Settings.min_provider_courses  # courses before a provider gets a point

FLAGS = ("within", "low_alert", "low_alarm", "high_alert", "high_alarm", "too_few")
PROPORTION = "PR"  # FunnelPlotR's name for the proportion funnel
RATIO = "SR"  # FunnelPlotR's name for the indirectly standardised ratio funnel
# Case-mix-adjusted O/E with Poisson-binomial limits (methods.md 4): queries.stats.oe_funnel
POISSON_BINOMIAL = "PB"


class FunnelInputError(ValueError):
    """The unit table cannot make a funnel (missing column, negative count, O > n ...)."""


@dataclass(frozen=True)
class FunnelResult:
    """A funnel, computed (not drawn).

    ``units`` holds one row per unit: ``unit_id, n, observed`` (and for ratios ``expected,
    oe_ratio, adjusted_rate``), ``rate``, ``z`` (unadjusted, transformed scale),
    ``z_adjusted`` (over sqrt(s² + tau²) when the adjustment is applied, else equal to z),
    ``lower_95, upper_95, lower_99_8, upper_99_8`` (the limits in force for that unit; the
    suffixes follow the levels), ``in_overdispersion_estimate`` and ``flag`` (one of
    :data:`FLAGS`). ``measure`` names the column the limits apply to (``rate`` or
    ``oe_ratio``), ``precision`` the x-axis column (``n`` or ``expected``).
    ``weighted_probability``: for :data:`POISSON_BINOMIAL` funnels only, p_w = Σp²/Σp over
    the clinic's courses, which the limit curve needs (:mod:`queries.stats.oe_funnel`).
    """

    data_type: str
    measure: str
    precision: str
    target: float
    pooled_rate: float
    overdispersion: Overdispersion
    alert_level: float
    alarm_level: float
    min_n: int
    trim: float
    units: pd.DataFrame
    weighted_probability: float = float("nan")

    @property
    def phi(self) -> float:
        """Dispersion ratio: mean of the winsorised z² (Spiegelhalter 2012)."""
        return self.overdispersion.phi

    @property
    def tau2(self) -> float:
        """Between-unit variance on the transformed scale (DerSimonian & Laird 1986)."""
        return self.overdispersion.tau2

    @property
    def overdispersion_applied(self) -> bool:
        """Whether the limits in force are the overdispersed ones (phi > 1 and tau² > 0)."""
        return self.overdispersion.applied

    @property
    def limit_method(self) -> str:
        """The limits in force, in words (the pages say which limits they draw)."""
        if self.overdispersion.applied:
            scale = {PROPORTION: "arcsine", RATIO: "square-root", POISSON_BINOMIAL: "O/E"}
            return f"normal limits on the {scale[self.data_type]} scale, widened by tau²"
        return {
            PROPORTION: "exact binomial limits",
            RATIO: "exact Poisson limits",
            POISSON_BINOMIAL: "exact Poisson-binomial limits",
        }[self.data_type]


# --- aggregate ----------------------------------------------------------------------------


def aggregate_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum ``n``, ``observed`` (and ``expected`` when present) by ``unit_id``.

    FunnelPlotR ``aggregate_func``. Raises :class:`FunnelInputError` on a missing column, a
    negative count or more observed than courses.
    """
    missing = [c for c in ("unit_id", "n", "observed") if c not in frame.columns]
    if missing:
        raise FunnelInputError(
            f"funnel input needs columns unit_id, n, observed; missing {', '.join(missing)}"
        )
    cols = ["n", "observed"] + (["expected"] if "expected" in frame.columns else [])
    out = frame.groupby("unit_id", sort=True, observed=True)[cols].sum().reset_index()
    n = out["n"].to_numpy(dtype=float)
    obs = out["observed"].to_numpy(dtype=float)
    if np.any(n < 0) or np.any(obs < 0):
        raise FunnelInputError("counts n and observed must not be negative")
    if np.any(obs > n):
        bad = out.loc[obs > n, "unit_id"].tolist()
        raise FunnelInputError(
            f"observed exceeds n for unit(s) {bad}: a proportion cannot exceed 1"
        )
    if "expected" in out.columns and np.any(out["expected"].to_numpy(dtype=float) < 0):
        raise FunnelInputError("expected counts must not be negative")
    return out


def pooled_rate(observed, n) -> float:
    """Pooled proportion Σobserved / Σn (the funnel's target, Spiegelhalter 2005 s.2)."""
    total = float(np.sum(n))
    return float(np.sum(observed)) / total if total > 0 else float("nan")


# --- limits in force ----------------------------------------------------------------------


def limits_in_force(
    data_type: str, target: float, precision, overdispersion: Overdispersion, level: float
) -> FunnelLimits:
    """The limits a unit is judged by: overdispersed when applied, else exact.

    Proportions: exact binomial with interpolation (``precision`` = n, whole numbers) or
    overdispersed arcsine limits. Ratios: exact Poisson (FunnelPlotR) or overdispersed
    square-root limits (``precision`` = expected).
    """
    if data_type == PROPORTION:
        if overdispersion.applied:
            return overdispersed_proportion_limits(target, precision, overdispersion.tau2, level)
        return exact_binomial_limits(target, precision, level)
    if data_type == RATIO:
        if overdispersion.applied:
            return overdispersed_ratio_limits(precision, overdispersion.tau2, level)
        return exact_ratio_limits(precision, level)
    raise ValueError(f"unknown funnel data type {data_type!r}: use 'PR' or 'SR'")


# --- classify -----------------------------------------------------------------------------


def classify_units(value, alert: FunnelLimits, alarm: FunnelLimits, eligible) -> np.ndarray:
    """Flag each unit: within / low_alert / low_alarm / high_alert / high_alarm / too_few.

    Strictly beyond a limit is outside; on the limit is within (FunnelPlotR
    ``outliers_func``: inside when LCL <= value <= UCL). Alarm (the outer level, 99.8 %)
    takes precedence over alert (95 %). Units not ``eligible`` are ``too_few``.
    """
    v = np.asarray(value, dtype=float)
    flags = np.full(v.shape, "within", dtype=object)
    flags[v < alert.lower] = "low_alert"
    flags[v < alarm.lower] = "low_alarm"
    flags[v > alert.upper] = "high_alert"
    flags[v > alarm.upper] = "high_alarm"
    flags[~np.asarray(eligible, dtype=bool)] = "too_few"
    return flags


# --- the funnel ---------------------------------------------------------------------------


def _resolve_data_type(units: pd.DataFrame, data_type: str) -> str:
    """``PR`` or ``SR`` (FunnelPlotR's names); ``auto`` is SR when ``expected`` is given."""
    if data_type == "auto":
        return RATIO if "expected" in units.columns else PROPORTION
    if data_type not in (PROPORTION, RATIO):
        raise ValueError(f"unknown funnel data type {data_type!r}: use 'auto', 'PR' or 'SR'")
    if data_type == RATIO and "expected" not in units.columns:
        raise FunnelInputError("a ratio (O/E) funnel needs an 'expected' column")
    return data_type


def funnel(
    frame: pd.DataFrame,
    *,
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    min_n: int = DEFAULT_MIN_N,
    trim: float = DEFAULT_TRIM,
    adjust_overdispersion: bool = True,
    data_type: str = "auto",
) -> FunnelResult:
    """Funnel plot of units (Spiegelhalter 2005; overdispersion Spiegelhalter 2012).

    ``frame``: ``unit_id, n, observed`` and optionally ``expected`` (sum of a case-mix
    model's predicted probabilities, :func:`queries.stats.casemix.expected_by_unit`).
    ``data_type``: ``"PR"`` proportion funnel (responder rate against n, target the pooled
    rate), ``"SR"`` indirectly standardised ratio funnel (O/E against E, target 1), or
    ``"auto"`` (SR when ``expected`` is present). Units with fewer than ``min_n`` courses are
    flagged ``too_few`` and left out of the overdispersion estimate. See the module
    docstring for the FunnelPlotR details followed.
    """
    check_alert_alarm_levels(alert_level, alarm_level, "funnel")
    units = aggregate_units(frame)
    kind = _resolve_data_type(units, data_type)
    n = units["n"].to_numpy(dtype=float)
    observed = units["observed"].to_numpy(dtype=float)
    eligible = n >= max(min_n, 1)
    p_pool = pooled_rate(observed, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        units["rate"] = np.where(n > 0, observed / n, np.nan)

    if kind == PROPORTION:
        if np.any(n != np.round(n)):
            raise FunnelInputError("a proportion funnel needs whole numbers of courses in n")
        target = p_pool
        scores = proportion_z_scores(observed, n, target)
    else:
        expected = units["expected"].to_numpy(dtype=float)
        if np.any((expected <= 0) & (n > 0)):
            raise FunnelInputError("every unit with courses needs expected > 0 for an O/E funnel")
        target = 1.0
        scores = ratio_z_scores(observed, expected)
        with np.errstate(invalid="ignore", divide="ignore"):
            units["oe_ratio"] = np.where(expected > 0, observed / expected, np.nan)
        units["adjusted_rate"] = units["oe_ratio"] * p_pool

    od = estimate_overdispersion(scores, eligible, trim, adjust_overdispersion)
    precision = units[MEASURES[kind][1]].to_numpy(dtype=float)
    limits = tuple(
        limits_in_force(kind, target, precision, od, lvl) for lvl in (alert_level, alarm_level)
    )
    return classified_funnel(units, kind, scores, od, limits, eligible, p_pool, (min_n, trim))


MEASURES = {  # the column the limits apply to and the x-axis column, by funnel type
    PROPORTION: ("rate", "n"),
    RATIO: ("oe_ratio", "expected"),
    POISSON_BINOMIAL: ("oe_ratio", "expected"),
}


def classified_funnel(
    units: pd.DataFrame,
    kind: str,
    scores: TransformedScores,
    od: Overdispersion,
    limits: tuple[FunnelLimits, ...],
    eligible,
    p_pool: float,
    min_n_and_trim: tuple[int, float],
    weighted_probability: float = float("nan"),
) -> FunnelResult:
    """The last steps of every funnel: z (and z over sqrt(s² + tau²) when the adjustment is
    applied), the limits in force (``limits``: alert, then alarm), classify, the result."""
    units["z"] = scores.z
    with np.errstate(invalid="ignore", divide="ignore"):
        units["z_adjusted"] = (
            (scores.y - scores.target_transformed) / np.sqrt(scores.s**2 + od.tau2)
            if od.applied
            else scores.z
        )
    for lim in limits:
        sfx = level_suffix(lim.level)
        units[f"lower_{sfx}"] = lim.lower
        units[f"upper_{sfx}"] = lim.upper
    units["in_overdispersion_estimate"] = eligible & np.isfinite(scores.z)
    measure, precision = MEASURES[kind]
    alert, alarm = limits
    units["flag"] = classify_units(units[measure].to_numpy(dtype=float), alert, alarm, eligible)
    min_n, trim = min_n_and_trim
    target = p_pool if kind == PROPORTION else 1.0
    return FunnelResult(
        kind, measure, precision, float(target), p_pool, od, alert.level, alarm.level,
        int(min_n), trim, units, weighted_probability,
    )  # fmt: skip


def default_precision_grid(
    result: FunnelResult, points: int = 200, values: np.ndarray | None = None
) -> np.ndarray:
    """A grid of precision values for drawing: from the smallest eligible unit (or min_n)
    to 5 % past the largest unit, geometrically spaced; whole numbers for proportions.
    ``values``: the precision of the points drawn (all eligible) instead of the units' own,
    so that a funnel whose points are drawn coarsened (a provider's peers, methods.md
    section 6) does not give a unit's exact volume away by where its curve ends."""
    if values is None:
        values = result.units[result.precision].to_numpy(dtype=float)
        eligible = result.units["flag"].to_numpy() != "too_few"
    else:
        values = np.asarray(values, dtype=float)
        eligible = np.ones(values.shape, dtype=bool)
    if result.data_type == PROPORTION:
        lo = float(max(result.min_n, 1))
    else:
        lo = float(values[eligible].min()) * 0.8 if eligible.any() else 1.0
        lo = max(lo, 0.5)
    hi = max(float(np.nanmax(values)) * 1.05 if values.size else lo * 2, lo * 2)
    grid = np.geomspace(lo, hi, points)
    if result.data_type == PROPORTION:
        grid = np.unique(np.round(grid))
    return grid


def funnel_limit_curve(
    result: FunnelResult, precision_grid=None, points: int = 200
) -> pd.DataFrame:
    """Limit curves over a grid of n (or E) for drawing the funnel.

    Columns: the precision column (``n`` or ``expected``), ``target``, the limits in force
    ``lower_95, upper_95, lower_99_8, upper_99_8`` (overdispersed when the adjustment was
    applied) and the unadjusted ones ``unadjusted_lower_95`` ... (exact binomial /
    exact Poisson), so a page can show both (FunnelPlotR ``draw_unadjusted``).
    """
    grid = (
        default_precision_grid(result, points)
        if precision_grid is None
        else np.asarray(precision_grid, dtype=float)
    )
    if result.data_type == PROPORTION:
        grid = np.round(grid)  # exact binomial limits need whole numbers of courses
    out = pd.DataFrame({result.precision: grid, "target": result.target})
    unadjusted = Overdispersion(result.phi, 0.0, False, result.overdispersion.n_units)
    for level in (result.alert_level, result.alarm_level):
        sfx = level_suffix(level)
        now = limits_in_force(result.data_type, result.target, grid, result.overdispersion, level)
        raw = limits_in_force(result.data_type, result.target, grid, unadjusted, level)
        out[f"lower_{sfx}"] = now.lower
        out[f"upper_{sfx}"] = now.upper
        out[f"unadjusted_lower_{sfx}"] = raw.lower
        out[f"unadjusted_upper_{sfx}"] = raw.upper
    return out
