"""Shrunken (empirical Bayes) rates for a caterpillar plot, no ranks (methods.md section 4).

Hierarchical beta-binomial model: each unit's true rate theta_i ~ Beta(a, b), x_i ~
Binomial(n_i, theta_i). The interval of a shrunken rate must reflect the uncertainty of the
clinic rate and of the between-unit variance too, and never be of zero width (methods.md):
plain empirical Bayes plugs in one (a, b) and, when the between-unit variance is estimated
as 0, pulls every unit onto the pooled rate with an interval of zero width ("45–45 %",
in 57 % of simulated clinics of 10 similar providers). So (a, b) are integrated out, as in
the rat-tumour example of Gelman et al., Bayesian Data Analysis, 3rd ed. (2013) section
5.3: in mu = a/(a + b) and u = (a + b)^(-1/2) the hyperprior p(a, b) ∝ (a + b)^(-5/2)
(BDA3 eq. 5.9) is flat, and u = 0 is complete pooling (theta_i = mu), so the posterior
of (mu, u) is the beta-binomial likelihood itself, computed on a grid
(:func:`hyper_posterior`: a coarse grid finds where the posterior lives, two finer grids
of :data:`GRID_POINTS`² cells integrate it by the trapezoid rule).

Given (mu, u), unit i's posterior is Beta(a + x_i, b + n_i - x_i), mean (mu + x_i u²)/(1 +
n_i u²); its mixture over the grid gives the shrunken rate (the posterior mean, exactly).
The interval is the equal-tailed interval of that mixture: for each u of the grid, the
mixture over mu (a location mixture, close to a Beta) is replaced by the Beta of the same
mean and variance, and the quantiles of the resulting mixture over u are found by bisection
(:func:`mixture_quantile`). tests/test_shrinkage.py measures the interval against a seeded
Monte Carlo of an independent grid posterior (BDA3's own parametrisation): within 0.0005.
``shrinkage`` = E[(a + b)/(n_i + a + b)], the posterior mean share of the way the raw rate
is pulled to the clinic rate (BDA3 section 5.4).

:func:`beta_binomial_prior` (method of moments, in the family of Kleinman 1973 JASA 68:46)
still estimates the between-unit variance that the page reports ("0: no more spread than
chance"). Goldstein & Spiegelhalter 1996 JRSS-A 159:385 on why no ranks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special as _spc

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


GRID_POINTS = 61  # cells per axis of the fine grids of (mu, u)
COARSE_MEAN = np.linspace(-9.0, 9.0, 73)  # logit(mu) of the coarse grid
COARSE_SPREAD = np.concatenate([[0.0], np.geomspace(1e-3, 20.0, 60)])  # u of the coarse grid
LOG_DROP = 25.0  # the fine grid covers the cells within this of the top log posterior


@dataclass(frozen=True)
class HyperPosterior:
    """The posterior of (mu, u) on a grid: cells (i, j) of the mu axis i and u axis j."""

    mean: np.ndarray  # mu = a/(a + b) of each cell
    spread: np.ndarray  # u = (a + b)^(-1/2) of each cell; 0 = complete pooling
    weight: np.ndarray  # posterior probability of each cell; they sum to 1


def beta_binomial_log_likelihood(observed, n, mu, u) -> np.ndarray:
    """Σ_i log P(x_i | n_i, mu, u) without the binomial coefficients, over cells (mu, u).

    u > 0: lnB(a + x_i, b + n_i - x_i) - lnB(a, b), a = mu/u², b = (1 - mu)/u²;
    u = 0: x_i ln mu + (n_i - x_i) ln(1 - mu) (the binomial limit, complete pooling).
    """
    x = np.asarray(observed, dtype=float)[:, None]
    k = np.asarray(n, dtype=float)[:, None]
    mu_arr = np.asarray(mu, dtype=float).ravel()[None, :]
    u_arr = np.asarray(u, dtype=float).ravel()[None, :]
    pooled = (u_arr == 0).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = 1.0 / np.where(u_arr > 0, u_arr, 1.0) ** 2
        a, b = mu_arr * strength, (1 - mu_arr) * strength
        mixed = (_spc.betaln(a + x, b + k - x) - _spc.betaln(a, b)).sum(axis=0)
        binomial = (_spc.xlogy(x, mu_arr) + _spc.xlog1py(k - x, -mu_arr)).sum(axis=0)
    return np.where(pooled, binomial, mixed)


def _trapezoid(axis: np.ndarray) -> np.ndarray:
    """Trapezoid-rule weights of a grid axis (1 for an axis of one point)."""
    if axis.size == 1:
        return np.ones(1)
    gaps = np.diff(axis)
    return np.concatenate([[gaps[0]], gaps[:-1] + gaps[1:], [gaps[-1]]]) / 2


def _fine_axes(mean_axis, spread_axis, log_post: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fine axes spanning the cells within LOG_DROP of the top, one cell more each way."""
    keep = np.argwhere(log_post >= np.nanmax(log_post) - LOG_DROP)
    (m_lo, s_lo), (m_hi, s_hi) = keep.min(axis=0), keep.max(axis=0)
    m_lo, s_lo = max(m_lo - 1, 0), max(s_lo - 1, 0)
    m_hi, s_hi = min(m_hi + 1, mean_axis.size - 1), min(s_hi + 1, spread_axis.size - 1)
    u_lo = 0.0 if s_lo <= 1 else spread_axis[s_lo]
    spread = np.linspace(np.sqrt(u_lo), np.sqrt(spread_axis[s_hi]), GRID_POINTS) ** 2
    return (
        np.linspace(mean_axis[m_lo], mean_axis[m_hi], GRID_POINTS),
        spread if spread_axis.size > 1 else spread_axis,
    )


def hyper_posterior(observed, n) -> HyperPosterior:
    """The posterior of (mu, u) under the flat prior of BDA3 eq. 5.9 (module docstring).

    When every unit is at 0 % or 100 %, the likelihood does not fall as u grows (BDA3's
    posterior is then improper): the between-unit spread cannot be estimated, and the
    posterior is that of mu under complete pooling (u = 0 only).
    """
    x = np.asarray(observed, dtype=float)
    k = np.asarray(n, dtype=float)
    mean_axis = _spc.expit(COARSE_MEAN)
    spread_axis = COARSE_SPREAD if np.any((x > 0) & (x < k)) else np.zeros(1)
    for _ in range(3):  # the coarse grid, then two fine ones
        mu, u = np.meshgrid(mean_axis, spread_axis, indexing="ij")
        log_post = beta_binomial_log_likelihood(x, k, mu, u).reshape(mu.shape)
        last = (mean_axis, spread_axis)
        mean_axis, spread_axis = _fine_axes(mean_axis, spread_axis, log_post)
    mean_axis, spread_axis = last
    area = np.outer(_trapezoid(mean_axis), _trapezoid(spread_axis))
    weight = np.exp(log_post - log_post.max()) * area
    return HyperPosterior(mu, u, weight / weight.sum())


@dataclass(frozen=True)
class UnitPosteriors:
    """Each unit's posterior mean, variance and shrinkage (arrays, one value per unit), and
    its posterior given each u: the mixture over the mu axis, as a Beta of the same mean
    and variance (``row_mean``, ``row_variance``: units x u axis; ``row_weight``: P(u))."""

    mean: np.ndarray
    variance: np.ndarray
    shrinkage: np.ndarray
    row_weight: np.ndarray
    row_mean: np.ndarray
    row_variance: np.ndarray


def unit_posteriors(observed, n, post: HyperPosterior) -> UnitPosteriors:
    """Each unit's posterior over the (mu, u) grid: exact moments, and per u (module doc)."""
    x = np.asarray(observed, dtype=float)[:, None, None]
    k = np.asarray(n, dtype=float)[:, None, None]
    u2 = post.spread[None] ** 2
    mean = (post.mean[None] + x * u2) / (1 + k * u2)  # of Beta(a + x, b + n - x)
    second = mean * (1 - mean) * u2 / (1 + (k + 1) * u2) + mean**2
    w = post.weight[None]
    total = w.sum(axis=(1, 2))
    m = (w * mean).sum(axis=(1, 2)) / total
    row = w.sum(axis=1)  # units x u axis (the same for every unit)
    with np.errstate(invalid="ignore", divide="ignore"):
        row_mean = (w * mean).sum(axis=1) / row
        row_var = (w * second).sum(axis=1) / row - row_mean**2
    return UnitPosteriors(
        mean=m,
        variance=np.maximum((w * second).sum(axis=(1, 2)) / total - m**2, 0.0),
        shrinkage=(w / (1 + k * u2)).sum(axis=(1, 2)) / total,
        row_weight=row[0],
        row_mean=row_mean,
        row_variance=np.maximum(row_var, 0.0),
    )


@dataclass(frozen=True)
class _RowBetas:
    """The live rows (P(u) > 0) of :class:`UnitPosteriors` as Beta parameters."""

    weight: np.ndarray  # P(u), live rows only
    a: np.ndarray  # units x live rows
    b: np.ndarray
    mean: np.ndarray
    point: np.ndarray  # a row of zero variance: a point mass at its mean


def _row_betas(post: UnitPosteriors) -> _RowBetas:
    live = post.row_weight > 1e-12 * post.row_weight.sum()
    m = np.clip(post.row_mean[:, live], 1e-12, 1 - 1e-12)
    v = post.row_variance[:, live]
    point = ~(v > 1e-15)
    with np.errstate(invalid="ignore", divide="ignore"):
        strength = np.where(point, 1.0, m * (1 - m) / np.where(point, 1.0, v) - 1)
    return _RowBetas(post.row_weight[live], m * strength, (1 - m) * strength, m, point)


def mixture_cdf(post: UnitPosteriors, t) -> np.ndarray:
    """P(theta_i <= t_i) for each unit: Σ_u P(u) · F_Beta(t_i) of that u's row (a row of
    zero variance, complete pooling with mu known, counts as a point mass)."""
    rows = _row_betas(post)
    return _cdf(rows, np.asarray(t, dtype=float))


def _cdf(rows: _RowBetas, t: np.ndarray) -> np.ndarray:
    smooth = _spc.betainc(rows.a, rows.b, t[:, None])
    cdf = np.where(rows.point, (t[:, None] >= rows.mean).astype(float), smooth)
    return (cdf * rows.weight).sum(axis=1) / rows.weight.sum()


def mixture_quantile(post: UnitPosteriors, q: float, steps: int = 20) -> np.ndarray:
    """The ``q`` quantile of each unit's posterior, by bisection of :func:`mixture_cdf`
    between the smallest and the largest of its rows' own ``q`` quantiles (the mixture's
    quantile lies between them)."""
    rows = _row_betas(post)
    own = np.where(rows.point, rows.mean, _spc.betaincinv(rows.a, rows.b, q))
    lo, hi = own.min(axis=1), own.max(axis=1)
    for _ in range(steps):
        mid = (lo + hi) / 2
        below = _cdf(rows, mid) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def shrunken_rates(
    frame: pd.DataFrame, level: float = 0.95, min_n: int = DEFAULT_MIN_N
) -> pd.DataFrame:
    """Shrunken rate per unit with its interval, for a caterpillar plot (no ranks).

    The hierarchical beta-binomial posterior of the module docstring, fitted to the units
    with at least ``min_n`` courses: ``shrunken_rate`` its mean, ``ci_lower_{lvl}`` /
    ``ci_upper_{lvl}`` its equal-tailed interval (never of zero width),
    ``shrinkage`` the posterior mean share of the pull to the clinic rate, ``prior_mean``
    the posterior mean of the clinic rate mu, ``between_variance`` the method-of-moments
    estimate of the between-unit variance (:func:`beta_binomial_prior`; 0 when the rates
    differ no more than chance). Units below ``min_n`` keep their row with
    ``enough_courses`` False and NaN estimates (methods.md).

    Columns: unit_id, n, observed, rate, shrunken_rate, ci_lower_{lvl}, ci_upper_{lvl},
    shrinkage, prior_mean, between_variance, enough_courses.
    """
    units = aggregate_units(frame)[["unit_id", "n", "observed"]]
    n = units["n"].to_numpy(dtype=float)
    x = units["observed"].to_numpy(dtype=float)
    enough = n >= max(min_n, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        units["rate"] = np.where(n > 0, x / n, np.nan)
    sfx = level_suffix(level)
    nan = np.full(n.shape, np.nan)
    shrunk, lower, upper, weight, prior_mean = nan, nan, nan, nan, float("nan")
    if enough.any():
        post = hyper_posterior(x[enough], n[enough])
        rows = unit_posteriors(x, n, post)
        tail = (1 - level) / 2
        lo, hi = (mixture_quantile(rows, q) for q in (tail, 1 - tail))
        shrunk, lower, upper = (np.where(enough, v, np.nan) for v in (rows.mean, lo, hi))
        weight = np.where(enough, rows.shrinkage, np.nan)
        prior_mean = float(np.sum(post.weight * post.mean))
    units["shrunken_rate"] = shrunk
    units[f"ci_lower_{sfx}"] = lower
    units[f"ci_upper_{sfx}"] = upper
    units["shrinkage"] = weight
    units["prior_mean"] = prior_mean
    units["between_variance"] = beta_binomial_prior(x[enough], n[enough]).between_variance
    units["enough_courses"] = enough
    return units
