"""Funnel plots and shrunken rates for comparing providers (methods.md section 4).

Pure functions on pandas/numpy inputs: SQL counts, these infer; ``dashboard/`` draws.
One small function per step, in the order the funnel is built:

    aggregate -> z -> winsorise -> phi -> tau² -> limits -> outliers

Method: Spiegelhalter (2005) Stat Med 24:1185 (funnel plots, exact limits, appendix A.1),
Spiegelhalter et al. (2012) JRSS-A 175:1 (overdispersion by an additive random-effects
model on a variance-stabilising scale, DerSimonian & Laird 1986). Checked against the
reference implementation NHS-R FunnelPlotR (github.com/nhs-r-community/FunnelPlotR,
files ``R/od_adjustment.R`` (``transformed_zscore``, ``winsorisation``, ``phi_func``,
``tau_func``), ``R/calculate_limits.R``, ``R/build_limits_lookup.R``, ``R/funnel_plot.R``,
``R/outliers_func.R``), re-implemented here, not copied:

- proportions (FunnelPlotR ``data_type = "PR"``): y = asin(sqrt(O/n)), target on that scale
  asin(sqrt(p0)), s = 1 / (2 sqrt(n)), z = (y - target) / s;
- indirectly standardised ratios O/E (``data_type = "SR"``, ``sr_method = "CQC"``, the
  square-root method of Spiegelhalter 2012): y = sqrt(O/E), target 1, s = 1 / (2 sqrt(E)),
  so z = 2 (sqrt(O) - sqrt(E));
- z winsorised at the ``trim`` and ``1 - trim`` quantiles (R's default ``quantile`` type 7,
  which is numpy's default "linear" method), phi = mean(z_w²),
  tau² = 0 if I·phi < I - 1, else (I·phi - (I - 1)) / (Σw - Σw²/Σw), w = 1/s²;
- the adjustment is applied exactly when tau² > 0 (FunnelPlotR falls back to unadjusted
  limits when tau² == 0; there is no separate "phi > 1" test: tau² > 0 iff phi > (I-1)/I);
- overdispersed limits: target ± z·sqrt(s² + tau²) on the transformed scale, back-transformed
  (sin² for proportions, squared for ratios);
- a unit is outside a limit when strictly beyond it (on the limit counts as inside).

Where this module differs from FunnelPlotR, on purpose:

- unadjusted limits for proportions are the exact binomial limits with interpolation of
  Spiegelhalter (2005) appendix A.1.1, as methods.md asks; FunnelPlotR draws the arcsine
  normal approximation (``calculate_limits`` with tau² = 0) instead;
- the transformed limit is clipped to the scale's range before back-transforming
  (angle in [0, pi/2]; square root >= 0). Without the clip sin²/square fold back and the
  lower limit rises again at small n (FunnelPlotR ``dev/workingout_binom.R`` notes that
  "small go odd");
- units below ``min_n`` courses get the flag ``too_few`` and are left out of the
  overdispersion estimate (methods.md: 20 courses before a provider gets a point). The
  target still pools every course, so the proportion target is the clinic's rate and the
  ratio target 1 matches a case-mix model fitted on all courses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.stats.intervals import level_suffix, z_value

DEFAULT_ALERT_LEVEL = 0.95
DEFAULT_ALARM_LEVEL = 0.998
DEFAULT_MIN_N = 20  # methods.md section 4: courses before a provider gets a point
DEFAULT_TRIM = 0.1  # winsorise 10 % at each end (FunnelPlotR ``trim_by``)

FLAGS = ("within", "low_alert", "low_alarm", "high_alert", "high_alarm", "too_few")
PROPORTION = "PR"  # FunnelPlotR's name for the proportion funnel
RATIO = "SR"       # FunnelPlotR's name for the indirectly standardised ratio funnel


class FunnelInputError(ValueError):
    """The unit table cannot make a funnel (missing column, negative count, O > n ...)."""


@dataclass(frozen=True)
class FunnelLimits:
    """Lower and upper funnel limits at one level, aligned with the precision values."""

    lower: np.ndarray
    upper: np.ndarray
    level: float


@dataclass(frozen=True)
class TransformedScores:
    """Units on FunnelPlotR's variance-stabilising scale: value, its SE and the z-score."""

    y: np.ndarray
    s: np.ndarray
    z: np.ndarray
    target_transformed: float


@dataclass(frozen=True)
class Overdispersion:
    """The overdispersion estimate (Spiegelhalter 2012, section 3.3.2)."""

    phi: float                  # mean of the winsorised z² (NaN with no unit in the estimate)
    tau2: float                 # between-unit variance on the transformed scale
    applied: bool               # tau² > 0 and adjustment wanted
    n_units: int                # I: units in the estimate (>= min_n courses)


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

    @property
    def phi(self) -> float:
        return self.overdispersion.phi

    @property
    def tau2(self) -> float:
        return self.overdispersion.tau2

    @property
    def overdispersion_applied(self) -> bool:
        return self.overdispersion.applied


@dataclass(frozen=True)
class BetaPrior:
    """Beta prior of the true unit rates, fitted by the method of moments."""

    mean: float                 # pooled rate, Σx / Σn
    between_variance: float     # variance of the true rates (sigma²), >= 0
    strength: float             # alpha + beta (inf when sigma² == 0: complete pooling)
    n_units: int


# --- aggregate ----------------------------------------------------------------------------

def aggregate_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum ``n``, ``observed`` (and ``expected`` when present) by ``unit_id``.

    FunnelPlotR ``aggregate_func``. Raises :class:`FunnelInputError` on a missing column, a
    negative count or more observed than courses.
    """
    missing = [c for c in ("unit_id", "n", "observed") if c not in frame.columns]
    if missing:
        raise FunnelInputError(f"funnel input needs columns unit_id, n, observed; missing "
                               f"{', '.join(missing)}")
    cols = ["n", "observed"] + (["expected"] if "expected" in frame.columns else [])
    out = frame.groupby("unit_id", sort=True, observed=True)[cols].sum().reset_index()
    n = out["n"].to_numpy(dtype=float)
    obs = out["observed"].to_numpy(dtype=float)
    if np.any(n < 0) or np.any(obs < 0):
        raise FunnelInputError("counts n and observed must not be negative")
    if np.any(obs > n):
        bad = out.loc[obs > n, "unit_id"].tolist()
        raise FunnelInputError(f"observed exceeds n for unit(s) {bad}: a proportion cannot "
                               "exceed 1")
    if "expected" in out.columns and np.any(out["expected"].to_numpy(dtype=float) < 0):
        raise FunnelInputError("expected counts must not be negative")
    return out


def pooled_rate(observed, n) -> float:
    """Pooled proportion Σobserved / Σn (the funnel's target, Spiegelhalter 2005 s.2)."""
    total = float(np.sum(n))
    return float(np.sum(observed)) / total if total > 0 else float("nan")


# --- exact limits -------------------------------------------------------------------------

def exact_binomial_limit(p0: float, n, q: float) -> np.ndarray:
    """The ``q`` quantile of O/n under Binomial(n, p0), interpolated (Spiegelhalter 2005 A.1.1).

    r_q = smallest r with F(r) >= q; alpha = (F(r_q) - q) / (F(r_q) - F(r_q - 1));
    limit = (r_q - alpha) / n, clipped to [0, 1]. Vectorised over ``n`` (whole numbers);
    NaN where n <= 0. With p0 at 0 or 1 every limit is p0.
    """
    if not 0 < q < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, got {q}")
    n_arr = np.asarray(n, dtype=float)
    if not 0 <= p0 <= 1:
        raise ValueError(f"target proportion must lie in [0, 1], got {p0}")
    if p0 in (0.0, 1.0):
        return np.where(n_arr > 0, p0, np.nan)
    safe_n = np.where(n_arr > 0, n_arr, 1.0)
    r = _sps.binom.ppf(q, safe_n, p0)
    f_r = _sps.binom.cdf(r, safe_n, p0)
    f_below = _sps.binom.cdf(r - 1, safe_n, p0)
    alpha = (f_r - q) / (f_r - f_below)
    limit = np.clip((r - alpha) / safe_n, 0.0, 1.0)
    return np.where(n_arr > 0, limit, np.nan)


def exact_binomial_limits(p0: float, n, level: float) -> FunnelLimits:
    """Exact binomial funnel limits with interpolation (Spiegelhalter 2005 appendix A.1.1).

    Lower at q = (1 - level)/2, upper at q = 1 - (1 - level)/2; see
    :func:`exact_binomial_limit`. Used unadjusted for proportions (methods.md section 4).
    """
    tail = (1 - level) / 2
    return FunnelLimits(exact_binomial_limit(p0, n, tail),
                        exact_binomial_limit(p0, n, 1 - tail), level)


def exact_ratio_limits(expected, level: float) -> FunnelLimits:
    """Exact Poisson limits for O/E with the expected count as precision (FunnelPlotR "SR").

    FunnelPlotR ``calculate_limits`` (unadjusted SR): lower = qchisq(tail, 2E) / 2 / E,
    upper = qchisq(1 - tail, 2(E + 1)) / 2 / E, i.e. gamma quantiles Gamma(E) and
    Gamma(E + 1) over E (Garwood 1936 with E in place of the count). Target 1.
    """
    e = np.asarray(expected, dtype=float)
    tail = (1 - level) / 2
    safe_e = np.where(e > 0, e, 1.0)
    lower = _sps.gamma.ppf(tail, safe_e) / safe_e
    upper = _sps.gamma.ppf(1 - tail, safe_e + 1) / safe_e
    return FunnelLimits(np.where(e > 0, lower, np.nan), np.where(e > 0, upper, np.nan), level)


# --- z-scores -----------------------------------------------------------------------------

def proportion_z_scores(observed, n, target: float) -> TransformedScores:
    """Arcsine-square-root z-scores (FunnelPlotR ``transformed_zscore``, type "PR").

    y = asin(sqrt(O/n)), target_t = asin(sqrt(target)), s = 1/(2 sqrt(n)), z = (y - target_t)/s
    (Spiegelhalter 2012 section 3.3; arcsine variance 1/(4n)). NaN where n == 0.
    """
    o = np.asarray(observed, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.arcsin(np.sqrt(o / n_arr))
        s = 1.0 / (2.0 * np.sqrt(n_arr))
        t = float(np.arcsin(np.sqrt(target)))
        z = (y - t) / s
    bad = n_arr <= 0
    return TransformedScores(np.where(bad, np.nan, y), np.where(bad, np.nan, s),
                             np.where(bad, np.nan, z), t)


def ratio_z_scores(observed, expected) -> TransformedScores:
    """Square-root z-scores for O/E (FunnelPlotR "SR" with ``sr_method = "CQC"``).

    y = sqrt(O/E), target 1, s = 1/(2 sqrt(E)), z = (y - 1)/s = 2(sqrt(O) - sqrt(E))
    (Spiegelhalter 2012 section 3.3). NaN where E == 0.
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.sqrt(o / e)
        s = 1.0 / (2.0 * np.sqrt(e))
        z = (y - 1.0) / s
    bad = e <= 0
    return TransformedScores(np.where(bad, np.nan, y), np.where(bad, np.nan, s),
                             np.where(bad, np.nan, z), 1.0)


# --- winsorise -> phi -> tau² -------------------------------------------------------------

def winsorise(z, trim: float = DEFAULT_TRIM) -> np.ndarray:
    """Pull z-scores beyond the ``trim`` / ``1 - trim`` quantiles in to those quantiles.

    FunnelPlotR ``winsorisation``: quantiles by R's default type 7 (linear interpolation
    between order statistics, numpy's default). Spiegelhalter 2012 s.3.3.2 (10 % each end).
    """
    z_arr = np.asarray(z, dtype=float)
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must lie in [0, 0.5), got {trim}")
    if z_arr.size == 0:
        return z_arr
    low, high = np.quantile(z_arr, [trim, 1 - trim])
    return np.clip(z_arr, low, high)


def dispersion_ratio(z_winsorised) -> float:
    """phi = mean of the winsorised z² (FunnelPlotR ``phi_func``; Spiegelhalter 2012)."""
    z_arr = np.asarray(z_winsorised, dtype=float)
    return float(np.mean(z_arr**2)) if z_arr.size else float("nan")


def between_unit_variance(phi: float, s) -> float:
    """Additive random-effects variance tau² (DerSimonian & Laird 1986; FunnelPlotR ``tau_func``).

    tau² = 0 when I·phi < I - 1, else max(0, (I·phi - (I - 1)) / (Σw - Σw²/Σw)), w = 1/s²,
    I = number of units. Zero with fewer than two units (no between-unit variance to see).
    """
    s_arr = np.asarray(s, dtype=float)
    units = s_arr.size
    if units < 2 or not np.isfinite(phi) or units * phi < units - 1:
        return 0.0
    w = 1.0 / s_arr**2
    denom = w.sum() - (w**2).sum() / w.sum()
    if denom <= 0:
        return 0.0
    return float(max(0.0, (units * phi - (units - 1)) / denom))


def estimate_overdispersion(scores: TransformedScores, eligible, trim: float = DEFAULT_TRIM,
                            adjust: bool = True) -> Overdispersion:
    """Winsorise the eligible units' z, then phi and tau² (Spiegelhalter 2012 s.3.3.2).

    ``applied`` is True exactly when ``adjust`` and tau² > 0 (FunnelPlotR ``funnel_plot``:
    with tau² == 0 it draws the unadjusted limits). ``phi``/``tau2`` are reported even when
    ``adjust`` is False, so the page can say what the adjustment would have been.
    """
    mask = np.asarray(eligible, dtype=bool) & np.isfinite(scores.z)
    z_w = winsorise(scores.z[mask], trim)
    phi = dispersion_ratio(z_w)
    tau2 = between_unit_variance(phi, scores.s[mask])
    return Overdispersion(phi=phi, tau2=tau2, applied=bool(adjust and tau2 > 0),
                          n_units=int(mask.sum()))


# --- limits -------------------------------------------------------------------------------

def overdispersed_proportion_limits(target: float, n, tau2: float, level: float) -> FunnelLimits:
    """sin²(asin(sqrt(p0)) ± z·sqrt(1/(4n) + tau²)), the angle clipped to [0, pi/2].

    FunnelPlotR ``calculate_limits`` type "PR" (Spiegelhalter 2012 s.3.3). With tau² = 0 it
    is the arcsine normal approximation FunnelPlotR draws as its unadjusted PR limits.
    """
    n_arr = np.asarray(n, dtype=float)
    z = z_value(level)
    t = np.arcsin(np.sqrt(target))
    with np.errstate(invalid="ignore", divide="ignore"):
        half = z * np.sqrt(1.0 / (4.0 * n_arr) + tau2)
    lower = np.sin(np.clip(t - half, 0.0, np.pi / 2)) ** 2
    upper = np.sin(np.clip(t + half, 0.0, np.pi / 2)) ** 2
    bad = ~(n_arr > 0)
    return FunnelLimits(np.where(bad, np.nan, lower), np.where(bad, np.nan, upper), level)


def overdispersed_ratio_limits(expected, tau2: float, level: float) -> FunnelLimits:
    """(1 ± z·sqrt(1/(4E) + tau²))², the square root clipped at 0 (square-root scale).

    FunnelPlotR ``build_limits_lookup`` method "CQC" (Spiegelhalter 2012 s.3.3); the lower
    root is clipped at 0 rather than squared back up.
    """
    e = np.asarray(expected, dtype=float)
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = z * np.sqrt(1.0 / (4.0 * e) + tau2)
    lower = np.clip(1.0 - half, 0.0, None) ** 2
    upper = (1.0 + half) ** 2
    bad = ~(e > 0)
    return FunnelLimits(np.where(bad, np.nan, lower), np.where(bad, np.nan, upper), level)


def limits_in_force(data_type: str, target: float, precision, overdispersion: Overdispersion,
                    level: float) -> FunnelLimits:
    """The limits a unit is judged by: overdispersed when applied, else exact.

    Proportions: exact binomial with interpolation (``precision`` = n, whole numbers) or
    overdispersed arcsine limits. Ratios: exact Poisson (FunnelPlotR) or overdispersed
    square-root limits (``precision`` = expected).
    """
    if data_type == PROPORTION:
        if overdispersion.applied:
            return overdispersed_proportion_limits(target, precision, overdispersion.tau2,
                                                   level)
        return exact_binomial_limits(target, precision, level)
    if data_type == RATIO:
        if overdispersion.applied:
            return overdispersed_ratio_limits(precision, overdispersion.tau2, level)
        return exact_ratio_limits(precision, level)
    raise ValueError(f"unknown funnel data type {data_type!r}: use 'PR' or 'SR'")


# --- outliers -----------------------------------------------------------------------------

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

def _check_levels(alert_level: float, alarm_level: float) -> None:
    for lvl in (alert_level, alarm_level):
        if not 0 < lvl < 1:
            raise ValueError(f"funnel levels must lie between 0 and 1, got {lvl}")
    if alert_level >= alarm_level:
        raise ValueError(f"the alert level ({alert_level}) must be below the alarm level "
                         f"({alarm_level})")


def _resolve_data_type(units: pd.DataFrame, data_type: str) -> str:
    if data_type == "auto":
        return RATIO if "expected" in units.columns else PROPORTION
    if data_type not in (PROPORTION, RATIO):
        raise ValueError(f"unknown funnel data type {data_type!r}: use 'auto', 'PR' or 'SR'")
    if data_type == RATIO and "expected" not in units.columns:
        raise FunnelInputError("a ratio (O/E) funnel needs an 'expected' column")
    return data_type


def funnel(frame: pd.DataFrame, *, alert_level: float = DEFAULT_ALERT_LEVEL,
           alarm_level: float = DEFAULT_ALARM_LEVEL, min_n: int = DEFAULT_MIN_N,
           trim: float = DEFAULT_TRIM, adjust_overdispersion: bool = True,
           data_type: str = "auto") -> FunnelResult:
    """Funnel plot of units (Spiegelhalter 2005; overdispersion Spiegelhalter 2012).

    ``frame``: ``unit_id, n, observed`` and optionally ``expected`` (sum of a case-mix
    model's predicted probabilities, :func:`queries.stats.casemix.expected_by_unit`).
    ``data_type``: ``"PR"`` proportion funnel (responder rate against n, target the pooled
    rate), ``"SR"`` indirectly standardised ratio funnel (O/E against E, target 1), or
    ``"auto"`` (SR when ``expected`` is present). Units with fewer than ``min_n`` courses are
    flagged ``too_few`` and left out of the overdispersion estimate. See the module
    docstring for the FunnelPlotR details followed.
    """
    _check_levels(alert_level, alarm_level)
    units = aggregate_units(frame)
    kind = _resolve_data_type(units, data_type)
    n = units["n"].to_numpy(dtype=float)
    observed = units["observed"].to_numpy(dtype=float)
    eligible = (n >= max(min_n, 1))
    p_pool = pooled_rate(observed, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        units["rate"] = np.where(n > 0, observed / n, np.nan)

    if kind == PROPORTION:
        if np.any(n != np.round(n)):
            raise FunnelInputError("a proportion funnel needs whole numbers of courses in n")
        target, measure, precision_col = p_pool, "rate", "n"
        scores = proportion_z_scores(observed, n, target)
    else:
        expected = units["expected"].to_numpy(dtype=float)
        if np.any((expected <= 0) & (n > 0)):
            raise FunnelInputError("every unit with courses needs expected > 0 for an O/E "
                                   "funnel")
        target, measure, precision_col = 1.0, "oe_ratio", "expected"
        scores = ratio_z_scores(observed, expected)
        with np.errstate(invalid="ignore", divide="ignore"):
            units["oe_ratio"] = np.where(expected > 0, observed / expected, np.nan)
        units["adjusted_rate"] = units["oe_ratio"] * p_pool

    od = estimate_overdispersion(scores, eligible, trim, adjust_overdispersion)
    units["z"] = scores.z
    with np.errstate(invalid="ignore", divide="ignore"):
        units["z_adjusted"] = ((scores.y - scores.target_transformed)
                               / np.sqrt(scores.s**2 + od.tau2) if od.applied else scores.z)
    precision = units[precision_col].to_numpy(dtype=float)
    alert = limits_in_force(kind, target, precision, od, alert_level)
    alarm = limits_in_force(kind, target, precision, od, alarm_level)
    for lim in (alert, alarm):
        sfx = level_suffix(lim.level)
        units[f"lower_{sfx}"] = lim.lower
        units[f"upper_{sfx}"] = lim.upper
    units["in_overdispersion_estimate"] = eligible & np.isfinite(scores.z)
    units["flag"] = classify_units(units[measure].to_numpy(dtype=float), alert, alarm,
                                   eligible)
    return FunnelResult(data_type=kind, measure=measure, precision=precision_col,
                        target=float(target), pooled_rate=p_pool, overdispersion=od,
                        alert_level=alert_level, alarm_level=alarm_level, min_n=int(min_n),
                        trim=trim, units=units)


def default_precision_grid(result: FunnelResult, points: int = 200) -> np.ndarray:
    """A grid of precision values for drawing: from the smallest eligible unit (or min_n)
    to 5 % past the largest unit, geometrically spaced; whole numbers for proportions."""
    values = result.units[result.precision].to_numpy(dtype=float)
    eligible = result.units["flag"].to_numpy() != "too_few"
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


def funnel_limit_curve(result: FunnelResult, precision_grid=None,
                       points: int = 200) -> pd.DataFrame:
    """Limit curves over a grid of n (or E) for drawing the funnel.

    Columns: the precision column (``n`` or ``expected``), ``target``, the limits in force
    ``lower_95, upper_95, lower_99_8, upper_99_8`` (overdispersed when the adjustment was
    applied) and the unadjusted ones ``unadjusted_lower_95`` ... (exact binomial /
    exact Poisson), so a page can show both (FunnelPlotR ``draw_unadjusted``).
    """
    grid = (default_precision_grid(result, points) if precision_grid is None
            else np.asarray(precision_grid, dtype=float))
    if result.data_type == PROPORTION:
        grid = np.round(grid)  # exact binomial limits need whole numbers of courses
    out = pd.DataFrame({result.precision: grid, "target": result.target})
    unadjusted = Overdispersion(result.phi, 0.0, False, result.overdispersion.n_units)
    for level in (result.alert_level, result.alarm_level):
        sfx = level_suffix(level)
        now = limits_in_force(result.data_type, result.target, grid, result.overdispersion,
                              level)
        raw = limits_in_force(result.data_type, result.target, grid, unadjusted, level)
        out[f"lower_{sfx}"] = now.lower
        out[f"upper_{sfx}"] = now.upper
        out[f"unadjusted_lower_{sfx}"] = raw.lower
        out[f"unadjusted_upper_{sfx}"] = raw.upper
    return out


# --- shrinkage (caterpillar plot) ---------------------------------------------------------

def beta_binomial_prior(observed, n) -> BetaPrior:
    """Method-of-moments Beta prior for the units' true rates (empirical Bayes).

    With p_i = x_i/n_i, pooled mean m = Σx/Σn, N = Σn, I units and S = Σ n_i (p_i - m)²,
    the moment equation E[S] = (I-1)·m(1-m) + sigma²·(N - Σn_i²/N - (I-1))
    (derived for x_i ~ Binomial(n_i, theta_i), theta_i with mean m and variance sigma²; a
    moment estimator with weights n_i, in the family of Kleinman 1973 JASA 68:46) gives
    sigma² = max(0, (S - (I-1)·m(1-m)) / (N - Σn_i²/N - (I-1))), and the Beta prior with that
    mean and variance has strength alpha + beta = m(1-m)/sigma² - 1 (inf when sigma² = 0).
    """
    x = np.asarray(observed, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    keep = n_arr > 0
    x, n_arr = x[keep], n_arr[keep]
    units = int(n_arr.size)
    total = float(n_arr.sum())
    if units == 0:
        return BetaPrior(float("nan"), float("nan"), float("nan"), 0)
    m = float(x.sum() / total)
    if units < 2 or m in (0.0, 1.0):
        return BetaPrior(m, 0.0, float("inf"), units)
    s_stat = float(np.sum(n_arr * (x / n_arr - m) ** 2))
    denom = total - float(np.sum(n_arr**2)) / total - (units - 1)
    sigma2 = max(0.0, (s_stat - (units - 1) * m * (1 - m)) / denom) if denom > 0 else 0.0
    if sigma2 == 0.0:
        return BetaPrior(m, 0.0, float("inf"), units)
    # sigma² can exceed what a Beta allows (m(1-m)); then keep a tiny prior (no pooling).
    strength = max(m * (1 - m) / sigma2 - 1.0, 1e-6)
    return BetaPrior(m, sigma2, strength, units)


def shrunken_rates(frame: pd.DataFrame, level: float = 0.95,
                   min_n: int = DEFAULT_MIN_N) -> pd.DataFrame:
    """Empirical-Bayes shrunken rate per unit, for a caterpillar plot (no ranks).

    Beta-binomial model: theta_i ~ Beta(a, b) fitted by :func:`beta_binomial_prior` on the
    units with at least ``min_n`` courses; the posterior of unit i is
    Beta(a + x_i, b + n_i - x_i), its mean (x_i + a)/(n_i + a + b) is the shrunken rate and
    its equal-tailed ``level`` quantiles the interval (Goldstein & Spiegelhalter 1996 JRSS-A
    159:385; Spiegelhalter 2012 section 3). ``shrinkage`` = (a + b)/(n_i + a + b) is the share
    of the way the raw rate is pulled to the prior mean: small units are pulled more. With
    no between-unit variance (sigma² = 0) every unit is pulled fully to the pooled rate and
    the interval collapses to it (plain EB ignores the uncertainty of a, b). Units below
    ``min_n`` keep their row with ``enough_courses`` False and NaN estimates (methods.md).

    Columns: unit_id, n, observed, rate, shrunken_rate, ci_lower_{lvl}, ci_upper_{lvl},
    shrinkage, prior_mean, enough_courses.
    """
    units = aggregate_units(frame)[["unit_id", "n", "observed"]]
    n = units["n"].to_numpy(dtype=float)
    x = units["observed"].to_numpy(dtype=float)
    enough = n >= max(min_n, 1)
    prior = beta_binomial_prior(x[enough], n[enough])
    with np.errstate(invalid="ignore", divide="ignore"):
        units["rate"] = np.where(n > 0, x / n, np.nan)
    tail = (1 - level) / 2
    if np.isinf(prior.strength):
        shrunk = np.full(n.shape, prior.mean)
        lower, upper, weight = shrunk.copy(), shrunk.copy(), np.ones(n.shape)
    else:
        a = prior.mean * prior.strength
        b = (1 - prior.mean) * prior.strength
        shrunk = (x + a) / (n + a + b)
        lower = _sps.beta.ppf(tail, a + x, b + n - x)
        upper = _sps.beta.ppf(1 - tail, a + x, b + n - x)
        weight = prior.strength / (n + prior.strength)
    sfx = level_suffix(level)
    units["shrunken_rate"] = np.where(enough, shrunk, np.nan)
    units[f"ci_lower_{sfx}"] = np.where(enough, lower, np.nan)
    units[f"ci_upper_{sfx}"] = np.where(enough, upper, np.nan)
    units["shrinkage"] = np.where(enough, weight, np.nan)
    units["prior_mean"] = prior.mean
    units["enough_courses"] = enough
    return units
