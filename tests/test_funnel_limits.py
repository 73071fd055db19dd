"""Known-answer tests for queries/stats/funnel_limits.py (exact and overdispersed limits).

Where each expected number comes from:
- exact binomial limits: an independent scipy computation (a linear search of
  ``binom.cdf`` for r_q, then Spiegelhalter 2005 appendix A.1.1's interpolation), and two
  hand computations in exact fractions from that appendix's formula;
- FunnelPlotR-derived values: FunnelPlotR's formulas (R/calculate_limits.R,
  R/build_limits_lookup.R, read on github.com/nhs-r-community/FunnelPlotR) re-typed here
  with its literal constants 1.959964 / 3.090232 and evaluated independently (no R was run).
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as sps

from queries.stats.funnel_limits import (
    exact_binomial_limit,
    exact_binomial_limits,
    exact_ratio_limits,
    overdispersed_proportion_limits,
    overdispersed_ratio_limits,
)

FUNNELPLOTR_Z = {0.95: 1.959964, 0.998: 3.090232}  # constants hard-coded in FunnelPlotR


# --- exact binomial limits ----------------------------------------------------------------


def reference_exact_limit(p0: float, n: int, q: float) -> float:
    """Spiegelhalter 2005 A.1.1 by brute force: scan r = 0, 1, ... for F(r) >= q."""
    cdf = sps.binom.cdf(np.arange(n + 1), n, p0)
    r = int(np.argmax(cdf >= q))
    below = cdf[r - 1] if r > 0 else 0.0
    alpha = (cdf[r] - q) / (cdf[r] - below)
    return min(max((r - alpha) / n, 0.0), 1.0)


@pytest.mark.parametrize("level", [0.95, 0.998])
@pytest.mark.parametrize("p0", [0.08, 0.3, 0.5, 0.73])
def test_exact_binomial_limits_match_independent_scipy_search(p0, level):
    n = np.array([1, 2, 3, 5, 8, 13, 20, 21, 34, 55, 89, 144, 233, 500])
    limits = exact_binomial_limits(p0, n, level)
    tail = (1 - level) / 2
    expected_lower = [reference_exact_limit(p0, int(k), tail) for k in n]
    expected_upper = [reference_exact_limit(p0, int(k), 1 - tail) for k in n]
    np.testing.assert_allclose(limits.lower, expected_lower, atol=1e-12)
    np.testing.assert_allclose(limits.upper, expected_upper, atol=1e-12)
    assert limits.level == level


def test_exact_binomial_limit_hand_computed_n10_p_half():
    # Binomial(10, 1/2): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024, F(8) = 1013/1024.
    # Lower, q = 0.025: r = 2, alpha = (56/1024 - 1/40) / (45/1024) = 30.4/45, limit (2-alpha)/10
    alpha = (Fraction(56, 1024) - Fraction(1, 40)) / Fraction(45, 1024)
    lower = float((2 - alpha) / 10)  # 0.13244...
    # Upper, q = 0.975: r = 8, alpha = (1013/1024 - 39/40) / (45/1024) = 14.6/45
    alpha = (Fraction(1013, 1024) - Fraction(39, 40)) / Fraction(45, 1024)
    upper = float((8 - alpha) / 10)  # 0.76755...
    limits = exact_binomial_limits(0.5, [10], 0.95)
    assert limits.lower[0] == pytest.approx(lower, abs=1e-12)
    assert limits.upper[0] == pytest.approx(upper, abs=1e-12)
    assert round(lower, 6) == 0.132444 and round(upper, 6) == 0.767556


def test_exact_binomial_limit_hand_computed_n1():
    # n = 1, p0 = 1/2: lower q = 0.025 -> r = 0, alpha = (0.5 - 0.025)/0.5 = 0.95, limit -0.95
    # clipped to 0; upper q = 0.975 -> r = 1, alpha = (1 - 0.975)/0.5 = 0.05, limit 0.95.
    assert exact_binomial_limit(0.5, [1], 0.025)[0] == 0.0
    assert exact_binomial_limit(0.5, [1], 0.975)[0] == pytest.approx(0.95, abs=1e-12)


def test_exact_binomial_limits_edges():
    assert np.isnan(exact_binomial_limit(0.4, [0], 0.025)[0])
    assert exact_binomial_limit(0.0, [10], 0.975)[0] == 0.0
    assert exact_binomial_limit(1.0, [10], 0.025)[0] == 1.0
    with pytest.raises(ValueError):
        exact_binomial_limit(0.4, [10], 1.0)


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_binomial_close_to_funnelplotr_arcsine_limits_at_large_n(level):
    # FunnelPlotR draws unadjusted PR limits as sin(asin(sqrt(p)) -/+ z/(2 sqrt(n)))^2
    # (R/calculate_limits.R with tau2 = 0). At large n the exact limits must agree closely.
    p0, n = 0.3, np.array([2000, 5000, 20000])
    z = FUNNELPLOTR_Z[level]
    t = math.asin(math.sqrt(p0))
    fp_lower = [math.sin(t - z * math.sqrt(1 / (4 * k))) ** 2 for k in n]
    fp_upper = [math.sin(t + z * math.sqrt(1 / (4 * k))) ** 2 for k in n]
    exact = exact_binomial_limits(p0, n, level)
    np.testing.assert_allclose(exact.lower, fp_lower, atol=1.5e-3)
    np.testing.assert_allclose(exact.upper, fp_upper, atol=1.5e-3)


# --- FunnelPlotR formulas, re-typed -------------------------------------------------------


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_overdispersed_proportion_limits_match_funnelplotr_formula(level):
    # R/calculate_limits.R, data_type "PR":
    # sin(asin(sqrt(target)) -/+ z * sqrt(s^2 + tau2))^2, s = 1 / (2 sqrt(n))
    target, tau2, z = 0.42, 0.004, FUNNELPLOTR_Z[level]
    n = [30, 60, 150, 400, 1000]
    t = math.asin(math.sqrt(target))
    lower = [math.sin(t - z * math.sqrt(1 / (4 * k) + tau2)) ** 2 for k in n]
    upper = [math.sin(t + z * math.sqrt(1 / (4 * k) + tau2)) ** 2 for k in n]
    ours = overdispersed_proportion_limits(target, n, tau2, level)
    np.testing.assert_allclose(ours.lower, lower, atol=1e-6)  # 1e-6: FunnelPlotR's rounded z
    np.testing.assert_allclose(ours.upper, upper, atol=1e-6)


def test_overdispersed_proportion_lower_limit_does_not_fold_back():
    # At small n the angle goes below 0; FunnelPlotR's sin^2 would fold it back up
    # (dev/workingout_binom.R: "small go odd"). Ours stays at 0.
    limits = overdispersed_proportion_limits(0.05, [2, 3, 5, 10, 50], 0.01, 0.998)
    assert limits.lower[0] == 0.0
    assert np.all(np.diff(limits.lower) >= 0)


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_ratio_limits_match_funnelplotr_chisquare_formula(level):
    # R/calculate_limits.R, data_type "SR", unadjusted:
    # lower = qchisq(1 - tail, 2E, lower.tail = FALSE) / 2 / E = qchisq(tail, 2E) / 2 / E
    # upper = qchisq(tail, 2(E + 1), lower.tail = FALSE) / 2 / E
    expected = np.array([0.7, 3.0, 12.5, 40.0, 250.0])
    tail = (1 - level) / 2
    lower = sps.chi2.ppf(tail, 2 * expected) / 2 / expected
    upper = sps.chi2.ppf(1 - tail, 2 * (expected + 1)) / 2 / expected
    ours = exact_ratio_limits(expected, level)
    np.testing.assert_allclose(ours.lower, lower, rtol=1e-10)
    np.testing.assert_allclose(ours.upper, upper, rtol=1e-10)


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_overdispersed_ratio_limits_match_funnelplotr_cqc_formula(level):
    # R/build_limits_lookup.R, method "CQC": (1 -/+ z * sqrt((1/(2 sqrt(E)))^2 + tau2))^2
    tau2, z = 0.01, FUNNELPLOTR_Z[level]
    expected = [20.0, 50.0, 120.0, 400.0]
    lower = [(1 - z * math.sqrt((1 / (2 * math.sqrt(e))) ** 2 + tau2)) ** 2 for e in expected]
    upper = [(1 + z * math.sqrt((1 / (2 * math.sqrt(e))) ** 2 + tau2)) ** 2 for e in expected]
    ours = overdispersed_ratio_limits(expected, tau2, level)
    np.testing.assert_allclose(ours.lower, lower, atol=1e-6)
    np.testing.assert_allclose(ours.upper, upper, atol=1e-6)
