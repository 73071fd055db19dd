"""Shrunken (empirical Bayes) rates for a caterpillar plot, no ranks (methods.md section 4).

Beta-binomial model: each unit's true rate theta_i ~ Beta(a, b), the prior fitted to the
units by the method of moments (in the family of Kleinman 1973 JASA 68:46); the posterior
Beta(a + x_i, b + n_i - x_i) gives the shrunken rate and its interval (Goldstein &
Spiegelhalter 1996 JRSS-A 159:385; Spiegelhalter et al. 2012 JRSS-A 175:1 section 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _sps

from queries.stats.funnel import DEFAULT_MIN_N, aggregate_units
from queries.stats.intervals import level_suffix


@dataclass(frozen=True)
class BetaPrior:
    """Beta prior of the true unit rates, fitted by the method of moments."""

    mean: float  # pooled rate, Σx / Σn
    between_variance: float  # variance of the true rates (sigma²), >= 0
    strength: float  # alpha + beta (inf when sigma² == 0: complete pooling)
    n_units: int


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


def shrunken_rates(
    frame: pd.DataFrame, level: float = 0.95, min_n: int = DEFAULT_MIN_N
) -> pd.DataFrame:
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
