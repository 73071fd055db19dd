"""Known-answer tests for queries/stats.py against independent implementations.

Wilson: statsmodels.stats.proportion.proportion_confint(method="wilson") and Wilson's (1927)
closed form as printed by Newcombe 1998 (Stat Med 17:857, Table I, method 3): for 81/263
the 95 % interval is 0.2553-0.3662. Exact Poisson: scipy chi-square quantiles (Garwood 1936)
and statsmodels' exact Poisson confint. t interval: scipy.stats.t.interval.
"""

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from queries.stats.intervals import (
    level_suffix,
    poisson_rate_interval,
    proportion,
    t_interval,
    wilson_interval,
    z_value,
)

CASES = [
    (0, 1),
    (0, 10),
    (1, 10),
    (5, 10),
    (10, 10),
    (2, 3),
    (81, 263),
    (15, 148),
    (0, 20),
    (19, 20),
    (250, 1000),
    (999, 1000),
    (1, 100000),
]


@pytest.mark.parametrize("level", [0.90, 0.95, 0.998])
@pytest.mark.parametrize(("x", "n"), CASES)
def test_wilson_matches_statsmodels(x, n, level):
    lower, upper = wilson_interval(x, n, level)
    ref_lo, ref_hi = proportion_confint(x, n, alpha=1 - level, method="wilson")
    assert lower == pytest.approx(ref_lo, abs=1e-12)
    assert upper == pytest.approx(ref_hi, abs=1e-12)


def test_wilson_published_value_newcombe_1998():
    # Newcombe 1998 Table I: 81/263, Wilson score interval 0.2553 to 0.3662
    lower, upper = wilson_interval(81, 263, 0.95)
    assert round(float(lower), 4) == 0.2553
    assert round(float(upper), 4) == 0.3662


def test_wilson_vectorised_and_empty_denominator():
    lower, upper = wilson_interval(np.array([0, 3, 0]), np.array([0, 9, 4]))
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    assert lower[2] == 0.0 and upper[1] < 1
    p = proportion(0, 0)
    assert np.isnan(p.rate) and np.isnan(p.lower)


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_z_and_suffix():
    assert z_value(0.95) == pytest.approx(1.959963985, abs=1e-9)
    assert z_value(0.998) == pytest.approx(3.090232306, abs=1e-9)
    assert level_suffix(0.95) == "95" and level_suffix(0.998) == "99_8"


@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.998, 0.999, 0.999999])
def test_z_is_scipys_normal_quantile_to_1e_15(level):
    """z_value takes the standard library's quantile (no scipy import for `rates`): scipy's
    number (special.ndtri) to within a few units in the last place (3 at most here)."""
    from scipy import special

    expected = float(special.ndtri(0.5 + level / 2))
    assert z_value(level) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize(("k", "exposure"), [(0, 31), (3, 31), (7, 2000), (120, 45000)])
def test_poisson_rate_interval_matches_scipy_and_statsmodels(k, exposure):
    rate, lower, upper = poisson_rate_interval(k, exposure, per=100)
    assert rate == pytest.approx(k / exposure * 100)
    ref_lower = 0 if k == 0 else sps.chi2.ppf(0.025, 2 * k) / 2
    ref_upper = sps.chi2.ppf(0.975, 2 * k + 2) / 2
    assert lower == pytest.approx(ref_lower / exposure * 100, rel=1e-10)
    assert upper == pytest.approx(ref_upper / exposure * 100, rel=1e-10)
    from statsmodels.stats.rates import confint_poisson

    sm_lo, sm_hi = confint_poisson(k, exposure, method="exact-c", alpha=0.05)
    assert lower == pytest.approx(sm_lo * 100, rel=1e-8, abs=1e-12)
    assert upper == pytest.approx(sm_hi * 100, rel=1e-8)


def test_t_interval_matches_scipy():
    values = [2.0, -1.0, 0.5, 3.5, 1.0, np.nan]
    got = t_interval(values, 0.95)
    clean = np.array([2.0, -1.0, 0.5, 3.5, 1.0])
    lo, hi = sps.t.interval(0.95, df=4, loc=clean.mean(), scale=sps.sem(clean))
    assert got.n == 5 and got.mean == pytest.approx(1.2)
    assert got.lower == pytest.approx(lo) and got.upper == pytest.approx(hi)
    assert np.isnan(t_interval([1.0]).lower)


def test_intervals_are_named_results_that_still_unpack():
    bounds = wilson_interval([3, 0], [9, 4], 0.9)
    lower, upper = bounds
    np.testing.assert_array_equal(bounds.lower, lower)
    np.testing.assert_array_equal(bounds.upper, upper)
    rates = poisson_rate_interval([3], [31], per=100)
    rate, low, high = rates
    assert (rates.rate, rates.lower, rates.upper) == (rate, low, high)
    assert rates.rate[0] == pytest.approx(300 / 31)
