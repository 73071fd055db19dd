"""Known-answer tests for queries/stats/shrinkage.py (empirical Bayes shrunken rates).

Where each expected number comes from: a plain-Python method-of-moments computation of the
Beta prior, a numerical integration of the Beta posterior on a grid (not scipy's beta
quantiles), and a simulation with a known between-unit variance (fixed seed).
"""

import numpy as np
import pandas as pd
import pytest

from queries.stats.shrinkage import beta_binomial_prior, shrunken_rates

SHRINK_N = [25, 40, 60, 90, 150, 300]
SHRINK_X = [20, 12, 27, 50, 60, 141]


def hand_beta_prior(n, x):
    """Method of moments in plain Python (see queries.stats.shrinkage.beta_binomial_prior)."""
    total = sum(n)
    m = sum(x) / total  # pooled mean
    units = len(n)
    # S = sum n_i (p_i - m)^2
    s_stat = sum(k * (xi / k - m) ** 2 for xi, k in zip(x, n, strict=True))
    denom = total - sum(k * k for k in n) / total - (units - 1)
    sigma2 = max(0.0, (s_stat - (units - 1) * m * (1 - m)) / denom)
    strength = m * (1 - m) / sigma2 - 1  # alpha + beta
    return m, sigma2, strength


def beta_quantile_by_integration(a, b, q):
    """Equal-tailed quantile of Beta(a, b) by trapezoid integration of its density."""
    grid = np.linspace(0, 1, 400_001)[1:-1]
    log_density = (a - 1) * np.log(grid) + (b - 1) * np.log1p(-grid)
    density = np.exp(log_density - log_density.max())
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cdf /= cdf[-1]
    return float(np.interp(q, cdf, grid))


def test_shrunken_rates_match_hand_computation():
    frame = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(6)], "n": SHRINK_N, "observed": SHRINK_X}
    )
    m, sigma2, strength = hand_beta_prior(SHRINK_N, SHRINK_X)
    prior = beta_binomial_prior(SHRINK_X, SHRINK_N)
    assert prior.mean == pytest.approx(m) and prior.between_variance == pytest.approx(sigma2)
    assert prior.strength == pytest.approx(strength)
    a, b = m * strength, (1 - m) * strength
    out = shrunken_rates(frame, level=0.95, min_n=20)
    expected_mean = [(xi + a) / (k + a + b) for xi, k in zip(SHRINK_X, SHRINK_N, strict=True)]
    np.testing.assert_allclose(out["shrunken_rate"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(out["shrinkage"], [strength / (k + strength) for k in SHRINK_N])
    for i, (xi, k) in enumerate(zip(SHRINK_X, SHRINK_N, strict=True)):
        lo = beta_quantile_by_integration(a + xi, b + k - xi, 0.025)
        hi = beta_quantile_by_integration(a + xi, b + k - xi, 0.975)
        assert out["ci_lower_95"].iloc[i] == pytest.approx(lo, abs=2e-5)
        assert out["ci_upper_95"].iloc[i] == pytest.approx(hi, abs=2e-5)
    assert "rank" not in " ".join(out.columns)


def test_shrinkage_pulls_small_units_more():
    frame = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(6)], "n": SHRINK_N, "observed": SHRINK_X}
    )
    out = shrunken_rates(frame)
    assert out["shrinkage"].is_monotonic_decreasing  # n increases down the table
    pulled = (out["rate"] - out["shrunken_rate"]) / (out["rate"] - out["prior_mean"])
    np.testing.assert_allclose(pulled, out["shrinkage"])
    # u0 (n 25, 80 %) moves further towards the mean than u5 (n 300, 47 %)
    assert abs(out["rate"][0] - out["shrunken_rate"][0]) > abs(
        out["rate"][5] - out["shrunken_rate"][5]
    )


def test_shrinkage_below_min_n_and_complete_pooling():
    frame = pd.DataFrame(
        {"unit_id": ["a", "b", "c", "tiny"], "n": [50, 50, 50, 8], "observed": [25, 25, 25, 8]}
    )
    out = shrunken_rates(frame, min_n=20).set_index("unit_id")
    assert not out.loc["tiny", "enough_courses"] and np.isnan(out.loc["tiny", "shrunken_rate"])
    # identical rates: sigma² = 0, every eligible unit pulled fully to the pooled 50 %
    assert (out.loc[["a", "b", "c"], "shrunken_rate"] == 0.5).all()
    assert (out.loc[["a", "b", "c"], "shrinkage"] == 1.0).all()


def test_method_of_moments_recovers_between_unit_variance_by_simulation():
    # 4000 units, true rates Beta with mean 0.4 and variance 0.01 (fixed seed).
    rng = np.random.default_rng(7)
    mean, var = 0.4, 0.01
    k = mean * (1 - mean) / var - 1
    theta = rng.beta(mean * k, (1 - mean) * k, 4000)
    n = rng.integers(30, 120, 4000)
    prior = beta_binomial_prior(rng.binomial(n, theta), n)
    assert prior.mean == pytest.approx(mean, abs=0.005)
    assert prior.between_variance == pytest.approx(var, abs=0.0015)
