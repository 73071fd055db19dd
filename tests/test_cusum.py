"""Known-answer and simulation tests for queries/stats/cusum.py.

Where each expected number comes from:
- weights and S_t: a hand computation of Steiner et al. (2000)'s weight
  W = y·log 2 - log(1 + p) for R_A = 2 on 7 courses (written out below), and the weight
  re-derived as a log-likelihood ratio of two Bernoulli probabilities;
- the closed-form path: the plain recursion S_t = max(0, S_{t-1} + W_t) in a Python loop;
- calibration: seeded simulations of in-control and out-of-control providers, with fresh
  seeds (not the calibration's), the measured shares written in the tests.
"""

import math

import numpy as np
import pytest

from queries.stats.cusum import (
    SIGNAL_LEVELS,
    calibrate_thresholds,
    cusum_path,
    cusum_weights,
    given_thresholds,
    highest_signal,
    non_response,
    risk_adjusted_cusum,
    unreset_cusum,
    upper_threshold,
)

# Seven courses, R_A = 2, h_alert = 0.75, h_alarm = 1.0:
# t  p    y  W = y·ln 2 - ln(1 + p)                 S_t
# 0  0.3  0  -ln 1.3         = -0.262364             max(0, -0.262364) = 0
# 1  0.2  1  0.693147 - 0.182322 = 0.510826          0.510826
# 2  0.5  1  0.693147 - 0.405465 = 0.287682          0.798508 >= 0.75: alert starts
# 3  0.1  0  -ln 1.1         = -0.095310             0.703198 (back below the alert line)
# 4  0.4  1  0.693147 - 0.336472 = 0.356675          1.059873 >= 1.0: alarm (and a new
#                                                    alert crossing); then reset to 0
# 5  0.3  0  -0.262364                               max(0, 0 - 0.262364) = 0
# 6  0.6  1  0.693147 - 0.470004 = 0.223144          0.223144
# The run-up to both signals began at course 1 (S was 0 after course 0).
HAND_P = [0.3, 0.2, 0.5, 0.1, 0.4, 0.3, 0.6]
HAND_Y = [0, 1, 1, 0, 1, 0, 1]
HAND_W = [-0.262364, 0.510826, 0.287682, -0.095310, 0.356675, -0.262364, 0.223144]
HAND_S = [0.0, 0.510826, 0.798508, 0.703198, 1.059873, 0.0, 0.223144]


def hand_result():
    return risk_adjusted_cusum(HAND_P, HAND_Y, thresholds=given_thresholds(0.75, 1.0))


def test_weights_and_path_by_hand():
    result = hand_result()
    steps = result.steps
    assert steps["weight"].to_numpy() == pytest.approx(HAND_W, abs=1e-6)
    assert steps["cusum"].to_numpy() == pytest.approx(HAND_S, abs=1e-6)
    assert list(np.flatnonzero(steps["alert_start"])) == [2, 4]
    assert list(np.flatnonzero(steps["alarm"])) == [4]
    assert steps["onset"].tolist() == [0, 1, 1, 1, 1, 5, 6]
    assert (result.first_alert, result.first_alarm) == (2, 4)
    assert result.signals.to_dict("records") == [
        {"signal": "alert", "course": 2, "onset": 1},
        {"signal": "alert", "course": 4, "onset": 1},
        {"signal": "alarm", "course": 4, "onset": 1},
    ]


def test_the_chart_resets_after_an_alarm_and_restarts_from_zero():
    # Without the reset, course 5 would be 1.059873 - 0.262364 = 0.797509.
    unreset = unreset_cusum(HAND_W)
    assert unreset[5] == pytest.approx(0.797509, abs=1e-6)
    assert hand_result().steps["cusum"].iloc[5] == 0.0


def test_weight_is_the_log_likelihood_ratio_of_the_two_bernoulli_models():
    rng = np.random.default_rng(441)
    p = rng.uniform(0.01, 0.99, 200)
    y = (rng.random(200) < 0.5).astype(float)
    for odds_ratio in (2.0, 0.5, 3.0):
        p_alt = odds_ratio * p / (1 - p + odds_ratio * p)  # odds multiplied by R_A
        expected = y * np.log(p_alt / p) + (1 - y) * np.log((1 - p_alt) / (1 - p))
        assert cusum_weights(p, y, odds_ratio) == pytest.approx(expected, abs=1e-12)


def test_closed_form_path_equals_the_recursion_row_by_row():
    weights = np.random.default_rng(1).normal(-0.05, 0.4, (5, 300))
    loop = np.zeros_like(weights)
    for row in range(5):
        s = 0.0
        for t in range(300):
            s = max(0.0, s + weights[row, t])
            loop[row, t] = s
    assert unreset_cusum(weights) == pytest.approx(loop, abs=1e-12)


def test_non_response_turns_response_into_the_adverse_outcome():
    series = non_response([0.8, 0.3], [1, 0])
    assert series.p_adverse == pytest.approx([0.2, 0.7])
    assert list(series.adverse) == [0.0, 1.0]


def test_highest_signal_and_too_few():
    result = hand_result()
    assert highest_signal(result, min_courses=5) == "alarm"
    assert highest_signal(result) == "too_few"  # 7 courses < 20
    quiet = risk_adjusted_cusum([0.5] * 25, [0] * 25, thresholds=given_thresholds(1.0, 2.0))
    assert highest_signal(quiet) == "none"
    warned = risk_adjusted_cusum([0.5] * 25, [1] + [0] * 24, thresholds=given_thresholds(0.2, 2.0))
    assert highest_signal(warned) == "alert" and warned.first_alert == 0
    assert SIGNAL_LEVELS == ("too_few", "none", "alert", "alarm")


def test_upper_threshold_never_lets_a_tie_exceed_the_false_signal_share():
    maxima = np.array([0.0] * 97 + [1.0, 2.0, 3.0])
    assert upper_threshold(maxima, 0.95) == 1.0  # 3 % reach 1; 100 % reach 0
    assert upper_threshold(maxima, 0.99) == 3.0  # 1 % reach 3
    assert upper_threshold(np.zeros(50), 0.95) == math.inf  # no threshold can work


def test_calibration_is_deterministic_and_checks_its_inputs():
    p = 1 - np.random.default_rng(3).beta(4.4, 3.6, 80)
    first, again = calibrate_thresholds(p), calibrate_thresholds(p)
    assert first == again and first.seed is not None
    assert 0 < first.alert < first.alarm
    assert first.simulated_alert_probability == pytest.approx(0.05, abs=1e-3)
    assert first.simulated_alarm_probability == pytest.approx(0.002, abs=1e-3)
    with pytest.raises(ValueError, match="too few"):
        calibrate_thresholds(p, n_sim=1000)
    with pytest.raises(ValueError, match="below the alarm level"):
        calibrate_thresholds(p, alert_level=0.998, alarm_level=0.95)
    with pytest.raises(ValueError, match="odds ratio"):
        risk_adjusted_cusum(p, np.zeros(80), thresholds=first, odds_ratio=3.0)


# --- simulation: false and true signals -----------------------------------------------------


def signal_shares(p_model, p_true, thresholds, runs: int, seed: int):
    """Share of simulated series (y ~ Bernoulli(p_true)) with at least one alert / alarm."""
    rng = np.random.default_rng(seed)
    alerts = alarms = 0
    for _ in range(runs):
        y = (rng.random(p_model.size) < p_true).astype(float)
        path = cusum_path(cusum_weights(p_model, y), thresholds)
        alerts += bool(path.alert_start.any())
        alarms += bool(path.alarm.any())
    return alerts / runs, alarms / runs


# Providers of 60 and 250 courses, P(response) ~ Beta(4.4, 3.6) seeded by their size.
# Measured shares of runs with at least one (alert, alarm), seeds as in the tests:
# in control (4,000 runs): 60 courses 0.0428, 0.0018; 250 courses 0.0510, 0.0008;
# doubled odds of non-response (1,000 runs): 60 courses 0.694, 0.299; 250: 0.995, 0.943.
DOUBLED_ODDS_MEASURED = {60: (0.694, 0.299), 250: (0.995, 0.943)}


@pytest.mark.parametrize("n", [60, 250])
def test_in_control_providers_alert_about_five_percent_of_the_time(n):
    p = 1 - np.random.default_rng(n).beta(4.4, 3.6, n)
    thresholds = calibrate_thresholds(p)
    alert, alarm = signal_shares(p, p, thresholds, 4000, seed=1000 + n)
    # SE: test runs sqrt(.05·.95/4000) = 0.0034 and calibration sqrt(.05·.95/10000) = 0.0022
    assert alert == pytest.approx(0.05, abs=3 * math.hypot(0.0034, 0.0022))
    assert alarm == pytest.approx(0.002, abs=3 * math.hypot(0.0007, 0.00045))


@pytest.mark.parametrize("n", [60, 250])
def test_doubled_odds_of_non_response_signal_in_most_runs(n):
    p = 1 - np.random.default_rng(n).beta(4.4, 3.6, n)
    thresholds = calibrate_thresholds(p)
    alert, alarm = signal_shares(p, 2 * p / (1 + p), thresholds, 1000, seed=2000 + n)
    for share, measured in zip((alert, alarm), DOUBLED_ODDS_MEASURED[n], strict=True):
        assert share == pytest.approx(
            measured, abs=3 * math.sqrt(measured * (1 - measured) / 1000) + 1e-3
        )
    assert alert > 0.5  # most runs alert, even with 60 courses
