"""Known-answer and calibration tests for queries/stats/poisson_binomial.py.

Where each expected number comes from:
- pmf/cdf: brute-force enumeration of all 2^n outcomes (n <= 12), scipy.stats.binom when
  every p is equal, and Hong's (2013) DFT-CF formula evaluated here with numpy's FFT (a
  different algorithm from the module's recursion);
- quantiles: a seeded Monte-Carlo of 40,000 clinics' worth of sums (n = 500), the exact
  figures written below;
- limits: a hand computation for p = (0.2, 0.5, 0.8), and funnel.exact_binomial_limit
  (the house's exact binomial limits) when every p is equal;
- calibration: seeded simulations of clinics with no provider effect, the measured shares
  written in the tests with tolerances of 3 binomial standard errors.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from queries.stats.funnel_limits import exact_binomial_limit, exact_ratio_limits
from queries.stats.oe_funnel import oe_limit_curve, weighted_mean_probability
from queries.stats.poisson_binomial import (
    EXACT,
    NORMAL,
    exact_oe_limits,
    normal_oe_limits,
    oe_units,
    oe_z_score,
    poisson_binomial,
    poisson_binomial_cdf,
    poisson_binomial_pmf,
    poisson_binomial_quantile,
    provider_oe,
)


def brute_force_pmf(p) -> np.ndarray:
    """P(O = k) by enumerating every outcome vector (independent of the module)."""
    out = np.zeros(len(p) + 1)
    for outcome in itertools.product((0, 1), repeat=len(p)):
        prob = math.prod(pi if y else 1 - pi for pi, y in zip(p, outcome, strict=True))
        out[sum(outcome)] += prob
    return out


def dft_cf_pmf(p) -> np.ndarray:
    """Hong (2013) DFT-CF: xi_k = 1/(n+1) Σ_l exp(-i w l k) Π_j (1 - p_j + p_j exp(i w l))."""
    n = len(p)
    w = 2 * np.pi / (n + 1)
    char = np.prod(1 - p[None, :] + p[None, :] * np.exp(1j * w * np.arange(n + 1))[:, None], axis=1)
    return np.real(np.fft.fft(char)) / (n + 1)


# --- the distribution -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5, 9, 12])
def test_pmf_matches_brute_force_enumeration(n):
    rng = np.random.default_rng(n)
    p = rng.uniform(0, 1, n)
    if n >= 5:
        p[:2] = [0.0, 1.0]  # certain outcomes are allowed
    expected = brute_force_pmf(list(p))
    got = poisson_binomial_pmf(p)
    assert got.shape == (n + 1,)
    assert got == pytest.approx(expected, abs=1e-15, rel=1e-12)
    dist = poisson_binomial(p)
    assert dist.cdf == pytest.approx(np.cumsum(expected), abs=1e-14)
    assert dist.mean == pytest.approx(p.sum()) and dist.variance == pytest.approx(
        np.sum(p * (1 - p))
    )


@pytest.mark.parametrize(("n", "p0"), [(50, 0.3), (333, 0.62), (20_000, 0.37)])
def test_pmf_equals_binomial_when_every_p_is_equal(n, p0):
    got = poisson_binomial_pmf(np.full(n, p0))
    expected = sps.binom.pmf(np.arange(n + 1), n, p0)
    assert got == pytest.approx(expected, abs=1e-14)
    central = expected > 1e-200  # relative accuracy kept far into the tails
    assert got[central] == pytest.approx(expected[central], rel=1e-9)


def test_pmf_matches_hong_dft_cf_for_a_thousand_courses():
    p = np.random.default_rng(2013).beta(3, 2, 1000)
    assert poisson_binomial_pmf(p) == pytest.approx(dft_cf_pmf(p), abs=1e-13)


def test_twenty_thousand_courses_sum_to_one_with_the_right_moments():
    p = np.random.default_rng(20_000).beta(5, 4, 20_000)
    dist = poisson_binomial(p)
    k = np.arange(dist.n + 1)
    assert dist.pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.sum(k * dist.pmf) == pytest.approx(p.sum(), rel=1e-12)
    assert np.sum((k - p.sum()) ** 2 * dist.pmf) == pytest.approx(np.sum(p * (1 - p)), rel=1e-9)


def test_cdf_and_quantile_outside_and_inside_the_support():
    dist = poisson_binomial([0.2, 0.5, 0.8])  # pmf 0.08, 0.42, 0.42, 0.08 (by hand)
    assert dist.pmf == pytest.approx([0.08, 0.42, 0.42, 0.08])
    assert poisson_binomial_cdf(dist, [-1, 0, 1.5, 2, 3, 7]) == pytest.approx(
        [0.0, 0.08, 0.5, 0.92, 1.0, 1.0]
    )
    assert list(poisson_binomial_quantile(dist, [0.0, 0.05, 0.079, 0.081, 0.5, 0.93, 1.0])) == [
        0,
        0,
        0,
        1,
        1,
        3,
        3,
    ]
    with pytest.raises(ValueError, match="probability"):
        poisson_binomial([0.2, 1.2])


def test_quantiles_agree_with_a_seeded_monte_carlo_for_500_courses():
    p = np.random.default_rng(500).uniform(0.3, 0.9, 500)
    dist = poisson_binomial(p)
    q = [0.001, 0.025, 0.5, 0.975, 0.999]
    exact = poisson_binomial_quantile(dist, q)
    assert list(exact) == [273, 285, 305, 325, 336]  # computed once; E = 305.08, V = 104.41
    draws = (np.random.default_rng(501).random((40_000, 500)) < p).sum(axis=1)
    monte_carlo = np.quantile(draws, q, method="inverted_cdf")
    assert np.all(np.abs(monte_carlo - exact) <= 1)  # measured [274, 285, 305, 325, 336]


# --- limits and z ---------------------------------------------------------------------------


def test_exact_limits_by_hand_for_three_courses():
    # p = (0.2, 0.5, 0.8): F = 0.08, 0.50, 0.92, 1; E = 1.5. Level 0.8, tails q = 0.1, 0.9.
    # lower: r = 1, alpha = (0.50 - 0.1)/0.42 = 0.952381, O_q = 0.047619, O/E = 0.031746
    # upper: r = 2, alpha = (0.92 - 0.9)/0.42 = 0.047619, O_q = 1.952381, O/E = 1.301587
    lim = exact_oe_limits(poisson_binomial([0.2, 0.5, 0.8]), 0.8)
    assert lim.lower == pytest.approx(0.02 / 0.42 / 1.5)
    assert lim.upper == pytest.approx((2 - 0.02 / 0.42) / 1.5)
    assert lim.method == EXACT and lim.level == 0.8


@pytest.mark.parametrize("level", [0.95, 0.998])
@pytest.mark.parametrize(("n", "p0"), [(20, 0.5), (137, 0.41), (900, 0.66)])
def test_exact_limits_are_the_house_exact_binomial_limits_when_p_is_equal(level, n, p0):
    lim = exact_oe_limits(poisson_binomial(np.full(n, p0)), level)
    tail = (1 - level) / 2
    assert lim.lower * p0 == pytest.approx(float(exact_binomial_limit(p0, n, tail)))
    assert lim.upper * p0 == pytest.approx(float(exact_binomial_limit(p0, n, 1 - tail)))


def test_outside_the_exact_limits_means_a_tail_probability_below_the_level():
    # The interpolation only smooths the curve: whole-number O is below the lower limit
    # iff F(O) < q and above the upper iff F(O) >= 1 - q (module docstring).
    p = np.random.default_rng(7).beta(2, 2, 60)
    dist = poisson_binomial(p)
    lim = exact_oe_limits(dist, 0.95)
    o = np.arange(dist.n + 1)
    oe = o / dist.mean
    assert np.array_equal(oe < lim.lower, dist.cdf < 0.025)
    assert np.array_equal(oe > lim.upper, dist.cdf >= 0.975)


def test_normal_limits_and_z_by_hand():
    # E = 1.5, V = 0.16 + 0.25 + 0.16 = 0.57, sqrt(V) = 0.754983; z(0.95) = 1.959964
    # half = 1.959964 * 0.754983 / 1.5 = 0.986494 -> (0.013506, 1.986494); z(O=3) = 1.986799
    lim = normal_oe_limits(1.5, 0.57, 0.95)
    assert (lim.lower, lim.upper) == pytest.approx((0.013506, 1.986494), abs=1e-6)
    assert normal_oe_limits(1.5, 0.57, 0.998).lower == 0.0  # clipped
    assert float(oe_z_score(3, 1.5, 0.57)) == pytest.approx(1.986799, abs=1e-6)
    row = provider_oe([0.2, 0.5, 0.8], 3, levels=(0.95,))
    assert (row.expected, row.variance, row.oe_ratio) == pytest.approx((1.5, 0.57, 2.0))
    assert row.z == pytest.approx(1.986799, abs=1e-6)
    assert (row.normal[0].lower, row.normal[0].upper) == pytest.approx((lim.lower, lim.upper))


def test_oe_units_table_columns_limits_and_flags():
    rng = np.random.default_rng(11)
    p = rng.uniform(0.3, 0.7, 130)
    courses = pd.DataFrame(
        {
            "unit_id": ["a"] * 60 + ["b"] * 60 + ["c"] * 10,
            "p": p,
            "observed": np.r_[
                np.ones(50), np.zeros(10), np.zeros(50), np.ones(10), np.ones(10)
            ].astype(int),
        }
    )
    table = oe_units(courses)
    assert list(table["unit_id"]) == ["a", "b", "c"]
    assert list(table["flag"]) == ["high_alarm", "low_alarm", "too_few"]
    for unit in ("a", "b"):
        rows = courses[courses["unit_id"] == unit]
        row = table.set_index("unit_id").loc[unit]
        ref = provider_oe(rows["p"], int(rows["observed"].sum()))
        assert row["expected"] == pytest.approx(rows["p"].sum())
        assert (row["lower_95"], row["upper_99_8"]) == (ref.exact[0].lower, ref.exact[1].upper)
        assert row["normal_lower_95"] == ref.normal[0].lower
    normal = oe_units(courses, method=NORMAL)
    assert normal["upper_95"].tolist() == table["normal_upper_95"].tolist()
    assert normal["exact_upper_95"].tolist() == table["upper_95"].tolist()


def test_limit_curve_uses_v_of_e_from_the_clinic_weighted_mean():
    p = np.array([0.2, 0.4, 0.6, 0.8])
    p_w = weighted_mean_probability(p)  # (0.04 + 0.16 + 0.36 + 0.64) / 2.0 = 0.6
    assert p_w == pytest.approx(0.6)
    curve = oe_limit_curve(p, expected_grid=[0.6, 6.0, 60.0, 600.0])
    assert curve["n_courses"].tolist() == [1, 10, 100, 1000]
    assert curve["expected"].to_numpy() == pytest.approx([0.6, 6.0, 60.0, 600.0])
    for m, row in zip([1, 10, 100, 1000], curve.itertuples(), strict=True):
        assert row.lower_95 * p_w == pytest.approx(float(exact_binomial_limit(0.6, m, 0.025)))
        assert row.upper_99_8 * p_w == pytest.approx(float(exact_binomial_limit(0.6, m, 0.999)))
    normal = oe_limit_curve(p, expected_grid=[60.0], method=NORMAL)
    half = 1.959964 * math.sqrt(0.4 / 60.0)  # V(E)/E² = (1 - p_w)/E
    assert normal["upper_95"].iloc[0] == pytest.approx(1 + half, abs=1e-6)
    assert oe_limit_curve(p, points=50)["n_courses"].is_monotonic_increasing


# --- calibration by simulation --------------------------------------------------------------


def null_clinic_providers(rng, providers: int):
    """Providers of 20..400 courses, each with its own case mix p_i ~ Beta, no effect."""
    rows = []
    for _ in range(providers):
        n = int(rng.integers(20, 401))
        mean = rng.uniform(0.3, 0.75)
        p = rng.beta(8 * mean, 8 * (1 - mean), n)
        rows.append(provider_oe(p, int((rng.random(n) < p).sum())))
    return rows


def share_outside(rows, index: int) -> float:
    return float(
        np.mean([not (r.exact[index].lower <= r.oe_ratio <= r.exact[index].upper) for r in rows])
    )


def test_no_provider_effect_puts_about_five_percent_outside_the_95_limits():
    rng = np.random.default_rng(20050001)
    rows = [r for _ in range(120) for r in null_clinic_providers(rng, 16)]  # 1,920 providers
    se_95 = math.sqrt(0.05 * 0.95 / len(rows))  # 0.0050
    assert share_outside(rows, 0) == pytest.approx(0.05, abs=3 * se_95)  # measured 0.0557
    se_998 = math.sqrt(0.002 * 0.998 / len(rows))  # 0.0010
    assert share_outside(rows, 1) == pytest.approx(0.002, abs=3 * se_998)  # measured 0.0021
    # Poisson limits (variance E, FunnelPlotR "SR") are far too wide for a common outcome.
    expected = np.array([r.expected for r in rows])
    oe = np.array([r.oe_ratio for r in rows])
    poisson = exact_ratio_limits(expected, 0.95)
    assert np.mean((oe < poisson.lower) | (oe > poisson.upper)) < 0.01  # measured 0.0052


def test_a_provider_with_halved_odds_of_response_is_found_below_the_limits():
    # 300 clinics; in each, one provider of 120 courses whose true odds of response are
    # half the model's (p' = p / (2 - p)), no overdispersion.
    rng = np.random.default_rng(20050002)
    below_95 = below_998 = 0
    for _ in range(300):
        p = rng.beta(8 * 0.55, 8 * 0.45, 120)
        row = provider_oe(p, int((rng.random(120) < p / (2 - p)).sum()))
        below_95 += row.oe_ratio < row.exact[0].lower
        below_998 += row.oe_ratio < row.exact[1].lower
    assert below_95 / 300 == pytest.approx(0.913, abs=0.05)  # measured 0.9133 (274/300)
    assert below_998 / 300 == pytest.approx(0.627, abs=0.084)  # measured 0.6267 (188/300)
