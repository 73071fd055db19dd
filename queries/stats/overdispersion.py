"""Overdispersion of a funnel: z-scores -> winsorise -> phi -> tau² (methods.md section 4).

Spiegelhalter et al. (2012) JRSS-A 175:1, section 3.3 (an additive random-effects model on a
variance-stabilising scale, DerSimonian & Laird 1986), as NHS-R FunnelPlotR implements it in
``R/od_adjustment.R`` (``transformed_zscore``, ``winsorisation``, ``phi_func``,
``tau_func``), re-implemented here, not copied:

- proportions (FunnelPlotR ``data_type = "PR"``): y = asin(sqrt(O/n)), target on that scale
  asin(sqrt(p0)), s = 1 / (2 sqrt(n)), z = (y - target) / s;
- indirectly standardised ratios O/E (``data_type = "SR"``, ``sr_method = "CQC"``, the
  square-root method of Spiegelhalter 2012): y = sqrt(O/E), target 1, s = 1 / (2 sqrt(E)),
  so z = 2 (sqrt(O) - sqrt(E));
- z winsorised at the ``trim`` and ``1 - trim`` quantiles (R's default ``quantile`` type 7,
  which is numpy's default "linear" method), phi = mean(z_w²),
  tau² = 0 if I·phi < I - 1, else (I·phi - (I - 1)) / (Σw - Σw²/Σw), w = 1/s²;
- case-mix-adjusted O/E with the Poisson-binomial variance V = Σp(1 - p) of O given the
  model's p_i (methods.md section 4, not FunnelPlotR): y = O/E, target 1, s = sqrt(V)/E,
  so z = (O - E)/sqrt(V) (:func:`oe_z_scores`);
- the adjustment is applied when the data show excess variation, phi > 1 (E[z²] = 1 when
  the units differ by chance alone; Spiegelhalter 2005 Stat Med 24:1185, "overdispersion"), and
  tau² > 0. A departure from FunnelPlotR, which applies it whenever tau² > 0, i.e. already
  at phi > (I-1)/I (0.9 with ten units): there a "widened for overdispersion" note would
  claim a spread the data do not show. tau² itself stays the DerSimonian-Laird estimate.

:mod:`queries.stats.funnel` puts the steps together; :mod:`queries.stats.funnel_limits`
turns tau² into limits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_TRIM = 0.1  # winsorise 10 % at each end (FunnelPlotR ``trim_by``)


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

    phi: float  # mean of the winsorised z² (NaN with no unit in the estimate)
    tau2: float  # between-unit variance on the transformed scale
    applied: bool  # phi > 1, tau² > 0 and adjustment wanted
    n_units: int  # I: units in the estimate (>= min_n courses)


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
    return TransformedScores(
        np.where(bad, np.nan, y), np.where(bad, np.nan, s), np.where(bad, np.nan, z), t
    )


def oe_z_scores(observed, expected, variance) -> TransformedScores:
    """Poisson-binomial z-scores for case-mix-adjusted O/E (methods.md section 4).

    y = O/E, target 1, s = sqrt(V)/E with V = Σp_i(1 - p_i), so z = (y - 1)/s =
    (O - E)/sqrt(V): O given the model's p_i is Poisson-binomial (Hong 2013), not Poisson.
    NaN where E or V is 0.
    """
    o, e, v = (np.asarray(a, dtype=float) for a in (observed, expected, variance))
    with np.errstate(invalid="ignore", divide="ignore"):
        y = o / e
        s = np.sqrt(v) / e
        z = (y - 1.0) / s
    bad = (e <= 0) | (v <= 0)
    return TransformedScores(
        np.where(bad, np.nan, y), np.where(bad, np.nan, s), np.where(bad, np.nan, z), 1.0
    )


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
    return TransformedScores(
        np.where(bad, np.nan, y), np.where(bad, np.nan, s), np.where(bad, np.nan, z), 1.0
    )


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


def estimate_overdispersion(
    scores: TransformedScores, eligible, trim: float = DEFAULT_TRIM, adjust: bool = True
) -> Overdispersion:
    """Winsorise the eligible units' z, then phi and tau² (Spiegelhalter 2012 s.3.3.2).

    ``applied`` is True exactly when ``adjust``, phi > 1 and tau² > 0 (the module
    docstring says why phi > 1 and not FunnelPlotR's tau² > 0 alone). ``phi``/``tau2`` are
    reported even when not applied, so the page can say what the data show.
    """
    mask = np.asarray(eligible, dtype=bool) & np.isfinite(scores.z)
    z_w = winsorise(scores.z[mask], trim)
    phi = dispersion_ratio(z_w)
    tau2 = between_unit_variance(phi, scores.s[mask])
    return Overdispersion(
        phi=phi,
        tau2=tau2,
        applied=bool(adjust and phi > 1 and tau2 > 0),
        n_units=int(mask.sum()),
    )
