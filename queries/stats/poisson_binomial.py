"""The Poisson-binomial distribution of O and the O/E funnel limits it gives (methods.md s.4).

A provider's observed count O = Σ Y_i over its courses, Y_i ~ Bernoulli(p_i) independent,
p_i the case-mix model's predicted probability of course i (indirect standardisation).
Given the p_i, O is Poisson-binomial (Hong 2013, Comput Stat Data Anal 59:41) with mean
E = Σ p_i and variance V = Σ p_i (1 - p_i). The outcome is common, so V is well below the
Poisson variance E that FunnelPlotR's "SR" limits assume (far too wide when p is near 0.5).

Exact pmf: the recursive formula (RF) that Hong (2013) compares his DFT-CF with (the
direct convolution xi_k <- (1 - p_j) xi_k + p_j xi_{k-1}, one course at a time), organised
in two stages so that it stays fast for ~20,000 courses: the pmf of each block of
:data:`BLOCK_SIZE` courses by the recursion, vectorised across blocks, then the blocks'
pmfs multiplied pairwise by direct convolution (``np.convolve``). Every step adds
non-negative terms, so there is no cancellation and the far tails keep their relative
accuracy (unlike Hong's DFT-CF or an FFT convolution, whose absolute error ~1e-16 can swamp
tail probabilities). Cost O(n²) in compiled loops: about 0.05 s for n = 20,000.
The limits (:func:`provider_oe`) read the same products with the tails below 1e-30 of each
product's peak left out (:func:`limit_distribution`): the same limits to 1e-12, eight
times cheaper for 80,000 courses (0.18 -> 0.02 s), since the quantiles they need are
never that far out.

Funnel limits for O/E (target 1):

- exact: the quantiles of O with the interpolation of Spiegelhalter (2005, Stat Med
  24:1185, appendix A.1.1) used for the exact binomial limits in
  :mod:`queries.stats.funnel_limits`: r_q = smallest r with F(r) >= q,
  alpha = (F(r_q) - q) / (F(r_q) - F(r_q - 1)), O_q = r_q - alpha, limit = O_q / E, at
  q = (1 - level)/2 and 1 - (1 - level)/2. The interpolation only smooths the drawn curve:
  for a whole-number O, strictly below the lower limit <=> P(O' <= O) < q, and strictly
  above the upper limit <=> P(O' <= O) >= 1 - q (ties F(r) = q aside), O' ~ the
  provider's Poisson-binomial. So the lower side is conservative and the upper side a
  little liberal (in tests/test_poisson_binomial.py's null clinics: 2.5 % below and 3.1 %
  above the 95 % limits);
- normal: 1 ± z·sqrt(V)/E (lower clipped at 0);
- z = (O - E)/sqrt(V), the score methods.md uses for the overdispersion estimate.

The funnel curve for a clinic (:func:`oe_limit_curve`) needs V as a function of E alone. A
provider with a random share of the clinic's courses has E[V]/E[E] = 1 - Σp²/Σp over the
clinic, so the curve uses V(E) = E·(1 - p_w), p_w = Σp²/Σp (the p-weighted mean of p;
the plain mean when all p are equal): exactly, the limits of a provider with m = E/p_w
courses each of probability p_w, i.e. Binomial(m, p_w), interpolated as above (m whole,
so the curve is drawn at E = m·p_w); or normally, 1 ± z·sqrt((1 - p_w)/E). Each provider's
point is still judged by its own exact limits (:func:`provider_oe`): the curve is the
envelope for the eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.core.settings import Settings
from queries.stats.funnel import classify_units
from queries.stats.funnel_limits import FunnelLimits
from queries.stats.intervals import level_suffix, z_value

BLOCK_SIZE = 32  # courses per block of the two-stage recursion (fastest of 16..128 tried)
TRIM_FROM = 4_096  # a pmf longer than this loses its underflowed tails (_convolve_pairwise)
LIMIT_FLOOR = 1e-30  # limit_distribution: a product's tails below this share of its peak go
FLOOR_FROM = 256  # ... from products this long (shorter ones: nothing to gain)
# The funnel's levels and minimum courses are settings (one definition): their defaults.
DEFAULT_ALERT_LEVEL = Settings.funnel_alert_level
DEFAULT_ALARM_LEVEL = Settings.funnel_alarm_level
DEFAULT_MIN_N = Settings.min_provider_courses
EXACT = "exact"
NORMAL = "normal"
CURVE_POINTS = 200


@dataclass(frozen=True)
class PoissonBinomial:
    """The distribution of O = Σ Y_i: pmf over k = 0..n, mean E and variance V."""

    pmf: np.ndarray
    mean: float
    variance: float

    @property
    def n(self) -> int:
        return int(self.pmf.size - 1)

    @property
    def cdf(self) -> np.ndarray:
        """F(k) = P(O <= k), k = 0..n, kept within [0, 1] and ending at exactly 1."""
        out = np.minimum(np.cumsum(self.pmf), 1.0)
        out[-1] = 1.0
        return out


@dataclass(frozen=True)
class OELimits:
    """Lower and upper funnel limits for O/E at one level, by one method."""

    level: float
    lower: float
    upper: float
    method: str


@dataclass(frozen=True)
class ProviderOE:
    """One provider's O, E, V, O/E, z and its limits (``exact``/``normal`` by level)."""

    n: int
    observed: int
    expected: float
    variance: float
    oe_ratio: float
    z: float
    exact: tuple[OELimits, ...]
    normal: tuple[OELimits, ...]


# --- the distribution -----------------------------------------------------------------------


def check_probabilities(p) -> np.ndarray:
    arr = np.asarray(p, dtype=float).ravel()
    if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ValueError("every predicted probability must be a number in [0, 1]")
    return arr


def _block_pmfs(p: np.ndarray, block: int) -> np.ndarray:
    """Stage 1: pmf of each block of ``block`` courses by the recursion (Hong 2013 RF).

    p is padded with zeros (a course with p = 0 adds nothing); row j holds the pmf over
    0..block of the courses j·block .. (j + 1)·block - 1.
    """
    rows = max(1, -(-p.size // block))
    padded = np.zeros(rows * block)
    padded[: p.size] = p
    probs = padded.reshape(rows, block)
    pmfs = np.zeros((rows, block + 1))
    pmfs[:, 0] = 1.0
    for k in range(block):
        pk = probs[:, k : k + 1]
        moved = pmfs[:, : k + 1] * pk
        pmfs[:, : k + 1] *= 1.0 - pk
        pmfs[:, 1 : k + 2] += moved
    return pmfs


def _convolve_pairwise(pieces: list[np.ndarray], floor: float = 0.0) -> np.ndarray:
    """Stage 2: multiply the blocks' pmfs pairwise until one is left; a product over
    :data:`TRIM_FROM` values drops its exact zeros (underflowed tails): O(n·√n), not O(n²).
    With a ``floor`` > 0 (:func:`limit_distribution`), a product over
    :data:`FLOOR_FROM` values also drops the tails below ``floor`` times its largest value."""
    parts, n = [(0, piece) for piece in pieces], sum(p.size - 1 for p in pieces) + 1
    while len(parts) > 1:
        paired = []
        for (i, a), (j, b) in zip(parts[0::2], parts[1::2], strict=False):
            c = np.convolve(a, b)
            if floor > 0 and c.size > FLOOR_FROM:
                kept = np.flatnonzero(c > floor * c.max())
            elif c.size > TRIM_FROM:
                kept = np.flatnonzero(c)
            else:
                kept = np.array([0, c.size - 1])
            paired.append((i + j + int(kept[0]), c[kept[0] : kept[-1] + 1]))
        parts = paired + parts[len(parts) - len(parts) % 2 :]
    start, values = parts[0]
    return np.pad(values, (start, n - start - values.size))


def poisson_binomial_pmf(p, block: int = BLOCK_SIZE) -> np.ndarray:
    """P(O = k), k = 0..n, for O = Σ Bernoulli(p_i) (Hong 2013; see the module docstring)."""
    arr = check_probabilities(p)
    if arr.size == 0:
        return np.ones(1)
    pmf = _convolve_pairwise(list(_block_pmfs(arr, block)))[: arr.size + 1]
    return np.clip(pmf, 0.0, 1.0)


def limit_distribution(p) -> PoissonBinomial:
    """:func:`poisson_binomial` with the tails the limits never read left out: as the pmf
    is multiplied up, each product drops the values below :data:`LIMIT_FLOOR` times its
    largest (they stay 0 in ``pmf``).

    Why the limits are the same: each dropped value changes a product by at most
    LIMIT_FLOOR times the largest of a factor, so after the ~log2(n/32) products the pmf
    moves by at most ~1e-28 of its largest value, and F(r) at the limits' quantiles (at
    least (1 - 0.998)/2 = 0.001) by a share ~n·1e-28/0.001 of itself: far below the
    rounding of the sums themselves (~1e-13). What it saves: the bell of a product of m
    courses is kept to about ±11.7 standard deviations (e^(-x²/2) = 1e-30) rather than
    the ±38 where it underflows, so the large products multiply far shorter arrays
    (tests/test_provider_speed_oe.py checks the limits against :func:`poisson_binomial`'s).
    """
    arr = check_probabilities(p)
    if arr.size == 0:
        pmf = np.ones(1)
    else:
        pieces = list(_block_pmfs(arr, BLOCK_SIZE))
        pmf = np.clip(_convolve_pairwise(pieces, LIMIT_FLOOR)[: arr.size + 1], 0.0, 1.0)
    return PoissonBinomial(
        pmf=pmf, mean=float(arr.sum()), variance=float(np.sum(arr * (1.0 - arr)))
    )


def poisson_binomial(p) -> PoissonBinomial:
    """The Poisson-binomial distribution of Σ Bernoulli(p_i): pmf, E = Σp, V = Σp(1 - p)."""
    arr = check_probabilities(p)
    return PoissonBinomial(
        pmf=poisson_binomial_pmf(arr),
        mean=float(arr.sum()),
        variance=float(np.sum(arr * (1.0 - arr))),
    )


def poisson_binomial_cdf(dist: PoissonBinomial, k) -> np.ndarray:
    """F(k) = P(O <= k), vectorised over ``k`` (0 below 0, 1 at and above n)."""
    k_arr = np.floor(np.asarray(k, dtype=float))
    cdf = dist.cdf
    index = np.clip(k_arr, 0, dist.n).astype(int)
    return np.where(k_arr < 0, 0.0, cdf[index])


def poisson_binomial_quantile(dist: PoissonBinomial, q) -> np.ndarray:
    """The smallest whole r with F(r) >= q, vectorised over q in [0, 1]."""
    q_arr = np.asarray(q, dtype=float)
    if np.any((q_arr < 0) | (q_arr > 1)):
        raise ValueError("quantile levels must lie in [0, 1]")
    return np.minimum(np.searchsorted(dist.cdf, q_arr, side="left"), dist.n)


# --- exact and normal limits ------------------------------------------------------------------


def interpolated_count(r, cdf_r, cdf_below, q) -> np.ndarray:
    """r - alpha, alpha = (F(r) - q)/(F(r) - F(r - 1)) (Spiegelhalter 2005 appendix A.1.1).

    ``r`` is the smallest count with F(r) >= q; the result is the interpolated quantile of
    the count, in (r - 1, r].
    """
    r_arr = np.asarray(r, dtype=float)
    step = np.asarray(cdf_r, dtype=float) - np.asarray(cdf_below, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(step > 0, (np.asarray(cdf_r, dtype=float) - q) / step, 0.0)
    return np.clip(r_arr - alpha, 0.0, None)


def exact_count_limit(dist: PoissonBinomial, q: float) -> float:
    """The interpolated ``q`` quantile of O (Spiegelhalter 2005 A.1.1 on the Poisson-binomial)."""
    if not 0 < q < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, got {q}")
    r = poisson_binomial_quantile(dist, q)
    cdf = poisson_binomial_cdf(dist, np.stack([r, r - 1]))
    return float(interpolated_count(r, cdf[0], cdf[1], q))


def exact_oe_limits(dist: PoissonBinomial, level: float) -> OELimits:
    """Exact O/E limits at ``level``: interpolated Poisson-binomial quantiles over E."""
    tail = (1 - level) / 2
    if dist.mean <= 0:
        return OELimits(level, float("nan"), float("nan"), EXACT)
    return OELimits(
        level,
        exact_count_limit(dist, tail) / dist.mean,
        exact_count_limit(dist, 1 - tail) / dist.mean,
        EXACT,
    )


def normal_oe_limits(expected: float, variance: float, level: float) -> OELimits:
    """Normal-approximation O/E limits 1 ± z·sqrt(V)/E, the lower clipped at 0."""
    if expected <= 0:
        return OELimits(level, float("nan"), float("nan"), NORMAL)
    half = z_value(level) * float(np.sqrt(variance)) / expected
    return OELimits(level, max(0.0, 1.0 - half), float(1.0 + half), NORMAL)


def oe_z_score(observed, expected, variance) -> np.ndarray:
    """z = (O - E)/sqrt(V), V = Σp(1 - p) (methods.md section 4); NaN where V == 0."""
    o, e, v = (np.asarray(a, dtype=float) for a in (observed, expected, variance))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(v > 0, (o - e) / np.sqrt(v), np.nan)


def provider_oe(
    p, observed: int, levels: Sequence[float] = (DEFAULT_ALERT_LEVEL, DEFAULT_ALARM_LEVEL)
) -> ProviderOE:
    """O/E of one provider with exact and normal limits at each of ``levels``.

    ``p``: the model's probabilities of the outcome for the provider's courses;
    ``observed``: how many of them had it (0 <= O <= n). The distribution is
    :func:`limit_distribution`'s (the limits of :func:`poisson_binomial`'s, cheaper).
    """
    dist = limit_distribution(p)
    if not 0 <= observed <= dist.n:
        raise ValueError(f"observed must lie between 0 and {dist.n} courses, got {observed}")
    oe = observed / dist.mean if dist.mean > 0 else float("nan")
    return ProviderOE(
        n=dist.n,
        observed=int(observed),
        expected=dist.mean,
        variance=dist.variance,
        oe_ratio=oe,
        z=float(oe_z_score(observed, dist.mean, dist.variance)),
        exact=tuple(exact_oe_limits(dist, lvl) for lvl in levels),
        normal=tuple(normal_oe_limits(dist.mean, dist.variance, lvl) for lvl in levels),
    )


# --- a funnel table and its curve -----------------------------------------------------------


def _limit_arrays(rows: list[ProviderOE], method: str, index: int) -> FunnelLimits:
    chosen = [row.exact[index] if method == EXACT else row.normal[index] for row in rows]
    return FunnelLimits(
        np.array([lim.lower for lim in chosen]),
        np.array([lim.upper for lim in chosen]),
        chosen[0].level,
    )


def oe_units(
    courses: pd.DataFrame,
    *,
    unit_col: str = "unit_id",
    outcome_col: str = "observed",
    p_col: str = "p",
    alert_level: float = DEFAULT_ALERT_LEVEL,
    alarm_level: float = DEFAULT_ALARM_LEVEL,
    min_n: int = DEFAULT_MIN_N,
    method: str = EXACT,
) -> pd.DataFrame:
    """One row per unit: n, observed, expected, variance, oe_ratio, z, limits and flag.

    ``courses``: one row per course with the unit, the outcome (0/1) and the model's
    probability of it. Limits ``lower_95, upper_95, lower_99_8, upper_99_8`` (suffixes from
    the levels) by ``method`` (``"exact"`` or ``"normal"``), the other method's as
    ``{other}_lower_95`` ...; ``flag`` as in :func:`queries.stats.funnel.classify_units`
    (strictly beyond = outside; units below ``min_n`` courses are ``too_few``).
    """
    if method not in (EXACT, NORMAL):
        raise ValueError(f"unknown limit method {method!r}: use 'exact' or 'normal'")
    if courses.empty:
        raise ValueError("no courses: an O/E funnel needs at least one unit with courses")
    groups = courses.groupby(unit_col, sort=True, observed=True)
    levels = (alert_level, alarm_level)
    keys, rows = [], []
    for key, g in groups:
        keys.append(key)
        rows.append(provider_oe(g[p_col].to_numpy(dtype=float), int(g[outcome_col].sum()), levels))
    out = pd.DataFrame(
        {
            unit_col: keys,
            "n": [r.n for r in rows],
            "observed": [r.observed for r in rows],
            "expected": [r.expected for r in rows],
            "variance": [r.variance for r in rows],
            "oe_ratio": [r.oe_ratio for r in rows],
            "z": [r.z for r in rows],
        }
    )
    other = NORMAL if method == EXACT else EXACT
    for index, level in enumerate(levels):
        sfx = level_suffix(level)
        for name, prefix in ((method, ""), (other, f"{other}_")):
            lim = _limit_arrays(rows, name, index)
            out[f"{prefix}lower_{sfx}"] = lim.lower
            out[f"{prefix}upper_{sfx}"] = lim.upper
    alert, alarm = (_limit_arrays(rows, method, i) for i in range(2))
    out["flag"] = classify_units(
        out["oe_ratio"].to_numpy(dtype=float), alert, alarm, out["n"].to_numpy() >= max(min_n, 1)
    )
    return out
