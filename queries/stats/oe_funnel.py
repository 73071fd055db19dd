"""The case-mix-adjusted O/E funnel with Poisson-binomial limits (methods.md section 4).

Indirect standardisation: each course i has the case-mix model's predicted probability p_i
of response; a provider's expected count is E = Σp_i and its observed count O. Given the
p_i, O is Poisson-binomial (Hong 2013, Comput Stat Data Anal 59:41) with variance
V = Σp_i(1 - p_i), not Poisson (variance E: about 1/sqrt(1 - p̄) too wide when response is
common). The steps, as in :func:`queries.stats.funnel.funnel`:

    aggregate (O, E, V per provider) -> z -> winsorise -> phi -> tau² -> limits -> classify

- z = (O - E)/sqrt(V) on the O/E scale, y = O/E with s = sqrt(V)/E
  (:func:`queries.stats.overdispersion.oe_z_scores`), winsorised at 10 %/90 %, phi = mean
  z², tau² by DerSimonian & Laird (Spiegelhalter et al. 2012 JRSS-A 175:1 s.3.3.2);
- limits: **exact** Poisson-binomial limits of each provider's own O (interpolated
  quantiles over E, :func:`queries.stats.poisson_binomial.provider_oe`), chosen over the
  normal approximation 1 ± z·sqrt(V)/E because small providers and the 99.8 % limits are
  where the normal approximation is poorest, and so that the adjusted funnel is exact
  like the crude one (exact binomial). When the data show overdispersion (phi > 1,
  :mod:`queries.stats.overdispersion`), the limits are widened the additive
  random-effects way: 1 ± z·sqrt(V/E² + tau²), the lower clipped at 0 (Spiegelhalter 2012
  s.3.3: target ± z·sqrt(s² + tau²));
- flags from the limits in force, as :func:`queries.stats.funnel.classify_units`; units
  below ``min_n`` courses are ``too_few`` and out of the overdispersion estimate.

The drawn curve (:func:`oe_funnel_curve`) needs V as a function of E alone:
V(E) = E·(1 - p_w), p_w = Σp²/Σp over the clinic's courses
(:func:`weighted_oe_limit_curve`, below); each provider is judged by
its own limits, which the hover shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.core.settings import Settings
from queries.stats.funnel import (
    POISSON_BINOMIAL,
    FunnelResult,
    classified_funnel,
    default_precision_grid,
    funnel_limit_curve,
    pooled_rate,
)
from queries.stats.funnel_limits import FunnelLimits
from queries.stats.intervals import check_alert_alarm_levels, level_suffix, z_value
from queries.stats.overdispersion import DEFAULT_TRIM, estimate_overdispersion, oe_z_scores
from queries.stats.poisson_binomial import (
    CURVE_POINTS,
    DEFAULT_ALARM_LEVEL,
    DEFAULT_ALERT_LEVEL,
    EXACT,
    NORMAL,
    check_probabilities,
    interpolated_count,
    oe_units,
)


def widened_oe_limits(expected, variance, tau2: float, level: float) -> FunnelLimits:
    """1 ± z·sqrt(V/E² + tau²), the lower clipped at 0 (Spiegelhalter 2012 s.3.3 on the O/E
    scale with s = sqrt(V)/E). NaN where E <= 0."""
    e = np.asarray(expected, dtype=float)
    v = np.asarray(variance, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = z_value(level) * np.sqrt(v / e**2 + tau2)
    bad = ~(e > 0)
    lower = np.where(bad, np.nan, np.clip(1.0 - half, 0.0, None))
    return FunnelLimits(lower, np.where(bad, np.nan, 1.0 + half), level)


def oe_funnel(
    courses: pd.DataFrame, settings: Settings | None = None, adjust_overdispersion: bool = True
) -> FunnelResult:
    """The O/E funnel of units from their courses (module docstring).

    ``courses``: one row per course with ``unit_id``, ``observed`` (0/1: responded) and
    ``p`` (the case-mix model's probability of response). The alert and alarm levels and
    the courses before a unit gets a point are the ``settings``' (``funnel_alert_level``,
    ``funnel_alarm_level``, ``min_provider_courses``); z is winsorised at
    :data:`queries.stats.overdispersion.DEFAULT_TRIM`. ``units`` of the result: unit_id,
    n, observed, expected, variance, oe_ratio, adjusted_rate (O/E × pooled rate), rate, z,
    z_adjusted, the limits in force (``lower_95`` ...), the exact Poisson-binomial ones
    (``exact_lower_95`` ...), in_overdispersion_estimate and flag.
    """
    settings = settings or Settings()
    alert_level, alarm_level = settings.funnel_alert_level, settings.funnel_alarm_level
    min_n, trim = settings.min_provider_courses, DEFAULT_TRIM
    check_alert_alarm_levels(alert_level, alarm_level, "funnel")
    table = oe_units(
        courses, alert_level=alert_level, alarm_level=alarm_level, min_n=min_n, method=EXACT
    )
    n = table["n"].to_numpy(dtype=float)
    observed = table["observed"].to_numpy(dtype=float)
    expected = table["expected"].to_numpy(dtype=float)
    variance = table["variance"].to_numpy(dtype=float)
    eligible = n >= max(min_n, 1)
    p_pool = pooled_rate(observed, n)
    scores = oe_z_scores(observed, expected, variance)
    od = estimate_overdispersion(scores, eligible, trim, adjust_overdispersion)
    units = table[["unit_id", "n", "observed", "expected", "variance", "oe_ratio"]].copy()
    units["adjusted_rate"] = units["oe_ratio"] * p_pool
    units["rate"] = observed / n
    limits = []
    for level in (alert_level, alarm_level):
        sfx = level_suffix(level)
        exact = FunnelLimits(
            table[f"lower_{sfx}"].to_numpy(), table[f"upper_{sfx}"].to_numpy(), level
        )
        units[f"exact_lower_{sfx}"] = exact.lower
        units[f"exact_upper_{sfx}"] = exact.upper
        if od.applied:  # widened for overdispersion (phi > 1)
            exact_or_wide = widened_oe_limits(expected, variance, od.tau2, level)
        else:
            exact_or_wide = exact
        limits.append(exact_or_wide)
    p_w = weighted_mean_probability(courses["p"].to_numpy(dtype=float))
    return classified_funnel(
        units, POISSON_BINOMIAL, scores, od, tuple(limits), eligible, p_pool, (min_n, trim), p_w
    )


def oe_funnel_curve(result: FunnelResult, expected_grid=None, points: int = 200) -> pd.DataFrame:
    """Limit curves of an :func:`oe_funnel` over a grid of E, for drawing.

    Columns: ``expected``, ``n_courses`` (the equivalent courses m = E/p_w), ``target``, the
    limits in force ``lower_95`` ... (widened when the adjustment was applied) and the exact
    ones ``unadjusted_lower_95`` ... (Binomial(m, p_w), :func:`queries.stats.
    oe_funnel.weighted_oe_limit_curve`), like :func:`queries.stats.funnel.
    funnel_limit_curve`.
    """
    if result.data_type != POISSON_BINOMIAL:
        raise ValueError("oe_funnel_curve draws an oe_funnel (Poisson-binomial O/E) only")
    grid = default_precision_grid(result, points) if expected_grid is None else expected_grid
    p_w = result.weighted_probability
    out = weighted_oe_limit_curve(
        p_w, grid, alert_level=result.alert_level, alarm_level=result.alarm_level
    )
    od = result.overdispersion
    for level in (result.alert_level, result.alarm_level):
        sfx = level_suffix(level)
        for side in ("lower", "upper"):
            out[f"unadjusted_{side}_{sfx}"] = out[f"{side}_{sfx}"]
        if od.applied:
            e = out["expected"].to_numpy(dtype=float)
            wide = widened_oe_limits(e, e * (1.0 - p_w), od.tau2, level)
            out[f"lower_{sfx}"] = wide.lower
            out[f"upper_{sfx}"] = wide.upper
    return out


def limit_curve(result: FunnelResult, points: int = 200, grid=None) -> pd.DataFrame:
    """The limit curve of any funnel: :func:`oe_funnel_curve` for a Poisson-binomial O/E
    funnel, else :func:`queries.stats.funnel.funnel_limit_curve`; ``grid``: the precision
    values to draw it at (default: :func:`queries.stats.funnel.default_precision_grid`)."""
    if result.data_type == POISSON_BINOMIAL:
        return oe_funnel_curve(result, expected_grid=grid, points=points)
    return funnel_limit_curve(result, precision_grid=grid, points=points)


# --- the limit curves: V(E) = E(1 - p_w) for a typical provider --------------------------


def weighted_mean_probability(p) -> float:
    """p_w = Σp²/Σp, so that V(E) = E·(1 - p_w) for a typical provider (the docstring of
    :mod:`queries.stats.poisson_binomial`)."""
    arr = check_probabilities(p)
    total = float(arr.sum())
    if total <= 0:
        raise ValueError("the clinic's expected count is 0: no O/E funnel can be drawn")
    return float(np.sum(arr**2)) / total


def equivalent_courses(p_w: float, expected_grid) -> np.ndarray:
    """Whole numbers of courses m = E/p_w (at least 1, no repeats) for the curve's grid."""
    m = np.maximum(np.round(np.asarray(expected_grid, dtype=float) / p_w), 1.0)
    return np.unique(m)


def _binomial_oe_limit(m: np.ndarray, p_w: float, q: float) -> np.ndarray:
    r = _sps.binom.ppf(q, m, p_w)
    count = interpolated_count(r, _sps.binom.cdf(r, m, p_w), _sps.binom.cdf(r - 1, m, p_w), q)
    return count / (m * p_w)


def oe_limit_curve(
    p_clinic,
    expected_grid=None,
    *,
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    method: str = EXACT,
    points: int = CURVE_POINTS,
) -> pd.DataFrame:
    """O/E limits against E for drawing, V(E) = E·(1 - p_w) (the docstring of
    :mod:`queries.stats.poisson_binomial`), from the model's p of every course of the clinic;
    ``expected_grid`` defaults to ``points`` values geometrically spaced from one course to
    the whole clinic (columns: :func:`weighted_oe_limit_curve`)."""
    p_w = weighted_mean_probability(p_clinic)
    if expected_grid is None:
        n_clinic = np.asarray(p_clinic).size
        expected_grid = p_w * np.geomspace(1.0, max(n_clinic, 2), points)
    return weighted_oe_limit_curve(
        p_w, expected_grid, alert_level=alert_level, alarm_level=alarm_level, method=method
    )


def weighted_oe_limit_curve(
    p_w: float,
    expected_grid,
    *,
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    method: str = EXACT,
) -> pd.DataFrame:
    """:func:`oe_limit_curve` from p_w = Σp²/Σp. Columns: ``expected`` (= m·p_w),
    ``n_courses`` (m), ``target`` (1) and ``lower_95, upper_95, lower_99_8, upper_99_8`` by
    ``method``: ``"exact"`` (interpolated Binomial(m, p_w) quantiles) or ``"normal"``
    (1 ± z·sqrt((1 - p_w)/E))."""
    if method not in (EXACT, NORMAL):
        raise ValueError(f"unknown limit method {method!r}: use 'exact' or 'normal'")
    m = equivalent_courses(p_w, expected_grid)
    expected = m * p_w
    out = pd.DataFrame({"expected": expected, "n_courses": m.astype(int), "target": 1.0})
    for level in (alert_level, alarm_level):
        sfx = level_suffix(level)
        tail = (1 - level) / 2
        if method == EXACT:
            lower, upper = (_binomial_oe_limit(m, p_w, q) for q in (tail, 1 - tail))
        else:
            half = z_value(level) * np.sqrt((1.0 - p_w) / expected)
            lower, upper = np.clip(1.0 - half, 0.0, None), 1.0 + half
        out[f"lower_{sfx}"] = lower
        out[f"upper_{sfx}"] = upper
    return out
