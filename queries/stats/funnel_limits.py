"""Funnel limits at one level, exact and overdispersed (methods.md section 4).

- Exact binomial limits for a proportion with interpolation (Spiegelhalter 2005 Stat Med
  24:1185, appendix A.1.1), as methods.md asks; FunnelPlotR draws the arcsine normal
  approximation (``R/calculate_limits.R`` with tau² = 0) instead.
- Exact Poisson limits for O/E with the expected count as precision (FunnelPlotR
  ``R/calculate_limits.R``, data type "SR"; Garwood 1936).
- Overdispersed limits: target ± z·sqrt(s² + tau²) on the variance-stabilising scale
  (Spiegelhalter 2012 JRSS-A 175:1 section 3.3; FunnelPlotR ``R/calculate_limits.R`` and
  ``R/build_limits_lookup.R``), back-transformed (sin² for proportions, squared for ratios).
  The transformed limit is clipped to the scale's range before back-transforming (angle in
  [0, pi/2]; square root >= 0): without the clip sin²/square fold back and the lower limit
  rises again at small n (FunnelPlotR ``dev/workingout_binom.R`` notes that "small go odd").

z comes from the level (:func:`queries.stats.intervals.z_value`), never pasted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

from queries.stats.intervals import z_value


@dataclass(frozen=True)
class FunnelLimits:
    """Lower and upper funnel limits at one level, aligned with the precision values."""

    lower: np.ndarray
    upper: np.ndarray
    level: float


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
    return FunnelLimits(
        exact_binomial_limit(p0, n, tail), exact_binomial_limit(p0, n, 1 - tail), level
    )


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


# --- overdispersed limits -----------------------------------------------------------------


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
