"""Known-answer tests for queries/funnel.py.

Where each expected number comes from:
- exact binomial limits: an independent scipy computation (a linear search of
  ``binom.cdf`` for r_q, then Spiegelhalter 2005 appendix A.1.1's interpolation), and two
  hand computations in exact fractions from that appendix's formula;
- FunnelPlotR-derived values: FunnelPlotR's formulas (R/calculate_limits.R,
  R/build_limits_lookup.R, R/od_adjustment.R, read on github.com/nhs-r-community/FunnelPlotR)
  re-typed here with its literal constants 1.959964 / 3.090232 and evaluated independently
  (no R was run);
- phi and tau²: a step-by-step plain-Python computation (``math`` only) of the
  Spiegelhalter 2012 / FunnelPlotR recipe on an 8-unit table written out below;
- shrinkage: a plain-Python method-of-moments computation and a numerical integration of
  the Beta posterior on a grid (not scipy's beta quantiles).
"""

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from queries.stats.funnel import (
    FLAGS,
    FunnelInputError,
    FunnelLimits,
    beta_binomial_prior,
    between_unit_variance,
    classify_units,
    exact_binomial_limit,
    exact_binomial_limits,
    exact_ratio_limits,
    funnel,
    funnel_limit_curve,
    overdispersed_proportion_limits,
    overdispersed_ratio_limits,
    proportion_z_scores,
    ratio_z_scores,
    shrunken_rates,
    winsorise,
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


def test_ratio_z_score_is_twice_root_difference():
    # Spiegelhalter 2012 s.3.3: z = 2 (sqrt(O) - sqrt(E)) on the square-root scale.
    scores = ratio_z_scores([30, 12, 50], [25.0, 12.0, 60.5])
    np.testing.assert_allclose(scores.z, 2 * (np.sqrt([30, 12, 50]) - np.sqrt([25, 12, 60.5])))
    assert scores.target_transformed == 1.0


# --- phi and tau² by hand -----------------------------------------------------------------

TABLE_N = [40, 55, 80, 100, 120, 150, 200, 260]
TABLE_X = [8, 30, 28, 61, 50, 90, 84, 150]


def r_type7_quantile(sorted_values, prob):
    """R's quantile(type = 7): h = (I - 1) p, interpolate between order statistics."""
    h = (len(sorted_values) - 1) * prob
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def hand_phi_tau2(n, x, target, trim=0.1):
    """FunnelPlotR's PR recipe, step by step in plain Python (R/od_adjustment.R)."""
    # 1. arcsine-square-root scale: y = asin(sqrt(x/n)), target_t = asin(sqrt(p0)),
    #    s = 1/(2 sqrt(n)), z = (y - target_t)/s
    t = math.asin(math.sqrt(target))
    s = [1 / (2 * math.sqrt(k)) for k in n]
    z = [(math.asin(math.sqrt(xi / k)) - t) / si for xi, k, si in zip(x, n, s)]
    # 2. winsorise at the 10th / 90th percentiles (R type 7)
    zs = sorted(z)
    lo, hi = r_type7_quantile(zs, trim), r_type7_quantile(zs, 1 - trim)
    zw = [min(max(v, lo), hi) for v in z]
    # 3. phi = mean of winsorised z^2
    units = len(zw)
    phi = sum(v * v for v in zw) / units
    # 4. tau2 = (I phi - (I-1)) / (sum w - sum w^2 / sum w), w = 1/s^2, zero if I phi < I-1
    w = [1 / si**2 for si in s]
    if units * phi < units - 1:
        return phi, 0.0
    tau2 = (units * phi - (units - 1)) / (sum(w) - sum(v * v for v in w) / sum(w))
    return phi, max(0.0, tau2)


def test_phi_and_tau2_match_hand_computation_on_8_units():
    frame = pd.DataFrame({"unit_id": list("abcdefgh"), "n": TABLE_N, "observed": TABLE_X})
    result = funnel(frame, min_n=20)
    target = sum(TABLE_X) / sum(TABLE_N)  # 334/670
    phi, tau2 = hand_phi_tau2(TABLE_N, TABLE_X, target)
    assert result.target == pytest.approx(target, abs=1e-15)
    assert result.phi == pytest.approx(phi, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    # The numbers themselves (from the hand computation above, rounded):
    assert round(phi, 4) == 5.4074 and round(tau2, 6) == 0.010788
    assert result.overdispersion_applied and result.overdispersion.n_units == 8


def test_winsorise_uses_r_type7_quantiles():
    z = [-4.0, -1.0, 0.0, 0.5, 1.0, 2.0, 9.0]
    zs = sorted(z)
    lo, hi = r_type7_quantile(zs, 0.1), r_type7_quantile(zs, 0.9)  # -2.2 and 4.8
    assert (round(lo, 10), round(hi, 10)) == (-2.2, 4.8)
    np.testing.assert_allclose(winsorise(z, 0.1), [min(max(v, lo), hi) for v in z])


def test_tau2_rule_follows_funnelplotr_not_phi_above_one():
    # FunnelPlotR tau_func: zero iff I*phi < I-1. With I = 10: phi 0.95 -> 9.5 > 9 -> positive
    s = np.full(10, 0.05)  # w = 400 each: sum w - sum w^2/sum w = 4000 - 400 = 3600
    assert between_unit_variance(0.95, s) == pytest.approx((9.5 - 9) / 3600)
    assert between_unit_variance(0.85, s) == 0.0
    assert between_unit_variance(3.0, s[:1]) == 0.0  # one unit: nothing between units


def test_no_overdispersion_gives_exact_limits_and_says_so():
    frame = pd.DataFrame({"unit_id": list("abcde"), "n": [50, 60, 80, 100, 120],
                          "observed": [25, 30, 40, 50, 60]})
    result = funnel(frame)
    assert result.tau2 == 0.0 and not result.overdispersion_applied
    exact = exact_binomial_limits(0.5, [50, 60, 80, 100, 120], 0.95)
    np.testing.assert_allclose(result.units["lower_95"], exact.lower)
    np.testing.assert_allclose(result.units["z_adjusted"], result.units["z"])


# --- flags --------------------------------------------------------------------------------

def flag_frame():
    # Ten units of 100 courses around 50 %, one far below (20 %), one moderately below
    # (34 %), one far above (70 %). Target 474/1000.
    return pd.DataFrame({"unit_id": [f"u{i}" for i in range(10)], "n": [100] * 10,
                         "observed": [47, 50, 52, 49, 51, 48, 53, 20, 34, 70]})


def test_flags_unadjusted_alert_and_alarm():
    result = funnel(flag_frame(), adjust_overdispersion=False)
    flags = dict(zip(result.units["unit_id"], result.units["flag"]))
    # exact binomial limits at p0 = 0.474, n = 100: 95 % 0.371-0.567, 99.8 % 0.316-0.624
    assert flags["u7"] == "low_alarm"      # 0.20 < 0.316
    assert flags["u8"] == "low_alert"      # 0.316 < 0.34 < 0.371
    assert flags["u9"] == "high_alarm"     # 0.70 > 0.624
    assert {flags[f"u{i}"] for i in range(7)} == {"within"}
    assert set(result.units["flag"]) <= set(FLAGS)
    assert not result.overdispersion_applied and result.tau2 > 0  # estimated, not applied


def test_flags_with_overdispersion_use_widened_limits():
    result = funnel(flag_frame())
    assert result.overdispersion_applied
    flags = dict(zip(result.units["unit_id"], result.units["flag"]))
    assert flags["u7"] == "low_alarm"
    assert flags["u8"] == "within"         # inside the widened 95 % limits
    lower = overdispersed_proportion_limits(0.474, [100], result.tau2, 0.95).lower[0]
    assert result.units["lower_95"].iloc[0] == pytest.approx(lower)
    assert lower < 0.34


def test_unit_on_the_limit_counts_as_within():
    result = funnel(flag_frame(), adjust_overdispersion=False)
    units = result.units
    at = units["lower_95"].to_numpy()
    alert = FunnelLimits(at, units["upper_95"].to_numpy(), 0.95)
    alarm = FunnelLimits(units["lower_99_8"].to_numpy(), units["upper_99_8"].to_numpy(), 0.998)
    flags = classify_units(at, alert, alarm, np.ones(len(at), dtype=bool))
    assert set(flags) == {"within"}


def test_too_few_below_min_n_and_left_out_of_the_estimate():
    frame = pd.DataFrame({"unit_id": list("abcdefghs"), "n": TABLE_N + [15],
                          "observed": TABLE_X + [0]})
    result = funnel(frame, min_n=20)
    small = result.units.set_index("unit_id").loc["s"]
    assert small["flag"] == "too_few" and not small["in_overdispersion_estimate"]
    assert result.overdispersion.n_units == 8
    # The target still pools every course; phi/tau² come from the 8 eligible units only.
    target = sum(TABLE_X) / (sum(TABLE_N) + 15)
    phi, tau2 = hand_phi_tau2(TABLE_N, TABLE_X, target)
    assert result.target == pytest.approx(target)
    assert result.phi == pytest.approx(phi, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert (result.units["flag"] != "too_few").sum() == 8


def test_limits_narrow_as_n_grows():
    result = funnel(pd.DataFrame({"unit_id": list("abcdefgh"), "n": TABLE_N,
                                  "observed": TABLE_X}), adjust_overdispersion=False)
    exact = exact_binomial_limits(result.target, [20, 100, 1000, 10000], 0.998)
    width = exact.upper - exact.lower
    assert np.all(np.diff(width) < 0)
    curve = funnel_limit_curve(result)
    assert curve["n"].iloc[0] == 20 and curve["n"].is_monotonic_increasing
    smooth = overdispersed_proportion_limits(result.target, curve["n"], 0.004, 0.95)
    assert np.all(np.diff(smooth.upper - smooth.lower) < 0)
    # Unadjusted: in-force and unadjusted columns coincide
    np.testing.assert_allclose(curve["lower_95"], curve["unadjusted_lower_95"])


def test_limit_curve_overdispersed_is_wider_than_unadjusted_at_large_n():
    result = funnel(pd.DataFrame({"unit_id": list("abcdefgh"), "n": TABLE_N,
                                  "observed": TABLE_X}))
    curve = funnel_limit_curve(result, precision_grid=[50, 200, 1000])
    assert list(curve.columns[:2]) == ["n", "target"]
    assert np.all(curve["upper_99_8"] > curve["unadjusted_upper_99_8"])
    assert np.all(curve["lower_99_8"] < curve["unadjusted_lower_99_8"])


# --- ratio (O/E) funnel -------------------------------------------------------------------

def test_ratio_funnel_uses_expected_and_target_one():
    frame = pd.DataFrame({"unit_id": list("abcdef"), "n": [60, 80, 100, 120, 90, 70],
                          "observed": [30, 38, 45, 70, 30, 40],
                          "expected": [31.0, 36.5, 48.2, 58.0, 44.1, 35.2]})
    result = funnel(frame)
    assert result.data_type == "SR" and result.measure == "oe_ratio"
    assert result.precision == "expected" and result.target == 1.0
    units = result.units
    np.testing.assert_allclose(units["oe_ratio"], units["observed"] / units["expected"])
    pooled = frame["observed"].sum() / frame["n"].sum()
    np.testing.assert_allclose(units["adjusted_rate"], units["oe_ratio"] * pooled)
    np.testing.assert_allclose(units["z"], 2 * (np.sqrt(units["observed"])
                                                - np.sqrt(units["expected"])))
    assert not result.overdispersion_applied  # phi 0.70 < (I-1)/I: exact Poisson limits
    exact = exact_ratio_limits(units["expected"], 0.95)
    np.testing.assert_allclose(units["lower_95"], exact.lower)
    np.testing.assert_allclose(units["upper_95"], exact.upper)


def test_ratio_funnel_overdispersed_limits_when_applied():
    # O/E spread far beyond Poisson: tau² > 0, limits from the square-root scale.
    frame = pd.DataFrame({"unit_id": list("abcdefgh"), "n": [100] * 8,
                          "observed": [20, 35, 50, 65, 80, 42, 58, 30],
                          "expected": [50.0] * 8})
    result = funnel(frame)
    assert result.overdispersion_applied and result.tau2 > 0
    od = overdispersed_ratio_limits([50.0], result.tau2, 0.998)
    assert result.units["lower_99_8"].iloc[0] == pytest.approx(od.lower[0])
    assert result.units["upper_99_8"].iloc[0] == pytest.approx(od.upper[0])
    curve = funnel_limit_curve(result)
    assert "expected" in curve.columns and (curve["target"] == 1.0).all()
    # The same table as a proportion funnel when asked
    assert funnel(frame, data_type="PR").measure == "rate"


def test_input_errors_are_specific():
    with pytest.raises(FunnelInputError, match="observed exceeds n"):
        funnel(pd.DataFrame({"unit_id": ["a"], "n": [5], "observed": [6]}))
    with pytest.raises(FunnelInputError, match="whole numbers"):
        funnel(pd.DataFrame({"unit_id": ["a"], "n": [5.5], "observed": [2]}))
    with pytest.raises(FunnelInputError, match="missing"):
        funnel(pd.DataFrame({"unit_id": ["a"], "n": [5]}))
    with pytest.raises(ValueError, match="alert level"):
        funnel(flag_frame(), alert_level=0.998, alarm_level=0.95)


def test_proportion_z_scores_formula():
    scores = proportion_z_scores([10, 0, 40], [40, 25, 40], 0.3)
    t = math.asin(math.sqrt(0.3))
    expected = [(math.asin(math.sqrt(x / n)) - t) * 2 * math.sqrt(n)
                for x, n in [(10, 40), (0, 25), (40, 40)]]
    np.testing.assert_allclose(scores.z, expected)


# --- shrinkage ----------------------------------------------------------------------------

SHRINK_N = [25, 40, 60, 90, 150, 300]
SHRINK_X = [20, 12, 27, 50, 60, 141]


def hand_beta_prior(n, x):
    """Method of moments in plain Python (see queries.stats.funnel.beta_binomial_prior)."""
    total = sum(n)
    m = sum(x) / total                                        # pooled mean
    units = len(n)
    s_stat = sum(k * (xi / k - m) ** 2 for xi, k in zip(x, n))  # S = sum n_i (p_i - m)^2
    denom = total - sum(k * k for k in n) / total - (units - 1)
    sigma2 = max(0.0, (s_stat - (units - 1) * m * (1 - m)) / denom)
    strength = m * (1 - m) / sigma2 - 1                       # alpha + beta
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
    frame = pd.DataFrame({"unit_id": [f"u{i}" for i in range(6)], "n": SHRINK_N,
                          "observed": SHRINK_X})
    m, sigma2, strength = hand_beta_prior(SHRINK_N, SHRINK_X)
    prior = beta_binomial_prior(SHRINK_X, SHRINK_N)
    assert prior.mean == pytest.approx(m) and prior.between_variance == pytest.approx(sigma2)
    assert prior.strength == pytest.approx(strength)
    a, b = m * strength, (1 - m) * strength
    out = shrunken_rates(frame, level=0.95, min_n=20)
    expected_mean = [(xi + a) / (k + a + b) for xi, k in zip(SHRINK_X, SHRINK_N)]
    np.testing.assert_allclose(out["shrunken_rate"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(out["shrinkage"], [strength / (k + strength) for k in SHRINK_N])
    for i, (xi, k) in enumerate(zip(SHRINK_X, SHRINK_N)):
        lo = beta_quantile_by_integration(a + xi, b + k - xi, 0.025)
        hi = beta_quantile_by_integration(a + xi, b + k - xi, 0.975)
        assert out["ci_lower_95"].iloc[i] == pytest.approx(lo, abs=2e-5)
        assert out["ci_upper_95"].iloc[i] == pytest.approx(hi, abs=2e-5)
    assert "rank" not in " ".join(out.columns)


def test_shrinkage_pulls_small_units_more():
    frame = pd.DataFrame({"unit_id": [f"u{i}" for i in range(6)], "n": SHRINK_N,
                          "observed": SHRINK_X})
    out = shrunken_rates(frame)
    assert out["shrinkage"].is_monotonic_decreasing  # n increases down the table
    pulled = (out["rate"] - out["shrunken_rate"]) / (out["rate"] - out["prior_mean"])
    np.testing.assert_allclose(pulled, out["shrinkage"])
    # u0 (n 25, 80 %) moves further towards the mean than u5 (n 300, 47 %)
    assert abs(out["rate"][0] - out["shrunken_rate"][0]) > abs(
        out["rate"][5] - out["shrunken_rate"][5])


def test_shrinkage_below_min_n_and_complete_pooling():
    frame = pd.DataFrame({"unit_id": ["a", "b", "c", "tiny"], "n": [50, 50, 50, 8],
                          "observed": [25, 25, 25, 8]})
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
