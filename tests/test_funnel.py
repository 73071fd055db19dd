"""Known-answer tests for queries/stats/funnel.py and queries/stats/overdispersion.py.

Where each expected number comes from:
- phi and tau²: a step-by-step plain-Python computation (``math`` only) of the
  Spiegelhalter 2012 / FunnelPlotR recipe (R/od_adjustment.R, read on
  github.com/nhs-r-community/FunnelPlotR; no R was run) on an 8-unit table written out below;
- z-scores: the arcsine and square-root formulas of Spiegelhalter 2012 s.3.3 in plain Python;
- flags and limits: exact binomial limits worked out for the table in the comments, and the
  limit functions of queries/stats/funnel_limits.py (tested on their own in
  tests/test_funnel_limits.py).
"""

import math

import numpy as np
import pandas as pd
import pytest

from queries.stats.funnel import (
    FLAGS,
    FunnelInputError,
    classify_units,
    funnel,
    funnel_limit_curve,
)
from queries.stats.funnel_limits import (
    FunnelLimits,
    exact_binomial_limits,
    exact_ratio_limits,
    overdispersed_proportion_limits,
    overdispersed_ratio_limits,
)
from queries.stats.overdispersion import (
    between_unit_variance,
    proportion_z_scores,
    ratio_z_scores,
    winsorise,
)


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
    z = [(math.asin(math.sqrt(xi / k)) - t) / si for xi, k, si in zip(x, n, s, strict=True)]
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
    frame = pd.DataFrame(
        {"unit_id": list("abcde"), "n": [50, 60, 80, 100, 120], "observed": [25, 30, 40, 50, 60]}
    )
    result = funnel(frame)
    assert result.tau2 == 0.0 and not result.overdispersion_applied
    exact = exact_binomial_limits(0.5, [50, 60, 80, 100, 120], 0.95)
    np.testing.assert_allclose(result.units["lower_95"], exact.lower)
    np.testing.assert_allclose(result.units["z_adjusted"], result.units["z"])


# --- flags --------------------------------------------------------------------------------


def flag_frame():
    # Ten units of 100 courses around 50 %, one far below (20 %), one moderately below
    # (34 %), one far above (70 %). Target 474/1000.
    return pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(10)],
            "n": [100] * 10,
            "observed": [47, 50, 52, 49, 51, 48, 53, 20, 34, 70],
        }
    )


def test_flags_unadjusted_alert_and_alarm():
    result = funnel(flag_frame(), adjust_overdispersion=False)
    flags = dict(zip(result.units["unit_id"], result.units["flag"], strict=True))
    # exact binomial limits at p0 = 0.474, n = 100: 95 % 0.371-0.567, 99.8 % 0.316-0.624
    assert flags["u7"] == "low_alarm"  # 0.20 < 0.316
    assert flags["u8"] == "low_alert"  # 0.316 < 0.34 < 0.371
    assert flags["u9"] == "high_alarm"  # 0.70 > 0.624
    assert {flags[f"u{i}"] for i in range(7)} == {"within"}
    assert set(result.units["flag"]) <= set(FLAGS)
    assert not result.overdispersion_applied and result.tau2 > 0  # estimated, not applied


def test_flags_with_overdispersion_use_widened_limits():
    result = funnel(flag_frame())
    assert result.overdispersion_applied
    flags = dict(zip(result.units["unit_id"], result.units["flag"], strict=True))
    assert flags["u7"] == "low_alarm"
    assert flags["u8"] == "within"  # inside the widened 95 % limits
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
    frame = pd.DataFrame(
        {"unit_id": list("abcdefghs"), "n": [*TABLE_N, 15], "observed": [*TABLE_X, 0]}
    )
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
    result = funnel(
        pd.DataFrame({"unit_id": list("abcdefgh"), "n": TABLE_N, "observed": TABLE_X}),
        adjust_overdispersion=False,
    )
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
    result = funnel(pd.DataFrame({"unit_id": list("abcdefgh"), "n": TABLE_N, "observed": TABLE_X}))
    curve = funnel_limit_curve(result, precision_grid=[50, 200, 1000])
    assert list(curve.columns[:2]) == ["n", "target"]
    assert np.all(curve["upper_99_8"] > curve["unadjusted_upper_99_8"])
    assert np.all(curve["lower_99_8"] < curve["unadjusted_lower_99_8"])


# --- ratio (O/E) funnel -------------------------------------------------------------------


def test_ratio_funnel_uses_expected_and_target_one():
    frame = pd.DataFrame(
        {
            "unit_id": list("abcdef"),
            "n": [60, 80, 100, 120, 90, 70],
            "observed": [30, 38, 45, 70, 30, 40],
            "expected": [31.0, 36.5, 48.2, 58.0, 44.1, 35.2],
        }
    )
    result = funnel(frame)
    assert result.data_type == "SR" and result.measure == "oe_ratio"
    assert result.precision == "expected" and result.target == 1.0
    units = result.units
    np.testing.assert_allclose(units["oe_ratio"], units["observed"] / units["expected"])
    pooled = frame["observed"].sum() / frame["n"].sum()
    np.testing.assert_allclose(units["adjusted_rate"], units["oe_ratio"] * pooled)
    np.testing.assert_allclose(
        units["z"], 2 * (np.sqrt(units["observed"]) - np.sqrt(units["expected"]))
    )
    assert not result.overdispersion_applied  # phi 0.70 < (I-1)/I: exact Poisson limits
    exact = exact_ratio_limits(units["expected"], 0.95)
    np.testing.assert_allclose(units["lower_95"], exact.lower)
    np.testing.assert_allclose(units["upper_95"], exact.upper)


def test_ratio_funnel_overdispersed_limits_when_applied():
    # O/E spread far beyond Poisson: tau² > 0, limits from the square-root scale.
    frame = pd.DataFrame(
        {
            "unit_id": list("abcdefgh"),
            "n": [100] * 8,
            "observed": [20, 35, 50, 65, 80, 42, 58, 30],
            "expected": [50.0] * 8,
        }
    )
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
    expected = [
        (math.asin(math.sqrt(x / n)) - t) * 2 * math.sqrt(n)
        for x, n in [(10, 40), (0, 25), (40, 40)]
    ]
    np.testing.assert_allclose(scores.z, expected)
