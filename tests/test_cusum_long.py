"""CUSUM thresholds for long series (queries/stats/cusum.py, module doc "Long series").

Above ``MAX_SIMULATED_COURSES`` courses the thresholds come from a simulation of that many
courses and the exponential tail, so their cost does not grow with the courses. They must
keep the meaning methods.md section 4 gives them: a 5 % (alert) and a 0.2 % (alarm) chance
of any signal over the provider's courses when nothing is wrong. Where the expected numbers
come from:
- the false-signal shares: 10,000 in-control series of the full length (10,000 courses,
  y ~ Bernoulli(p_t), a fresh seed), each checked for max S_t >= h (a reset at an alarm does
  not change whether the first signal happens); measured 0.0517 and 0.0014 against the
  stated 0.05 and 0.002, inside three standard errors of the test's and the calibration's
  simulations;
- how much the method moves a threshold: at 4,000 courses, where the full simulation is
  still affordable, the long-series thresholds are 8.014 and 11.236 against 8.016 and
  11.163 from simulating every course (measured): -0.002 and +0.07, i.e. a false-alarm
  chance a factor exp(-0.07) = 0.93 of the full simulation's, inside its own error.
"""

import math

import numpy as np
import pytest

from queries.stats import cusum
from queries.stats.cusum import (
    MAX_SIMULATED_COURSES,
    calibrate_thresholds,
    extrapolated_threshold,
    simulated_maxima,
    upper_threshold,
)


def provider_p(n: int) -> np.ndarray:
    """P(non-response) of a provider of ``n`` courses, as in tests/test_cusum.py."""
    return 1 - np.random.default_rng(n).beta(4.4, 3.6, n)


def test_long_series_keep_the_stated_false_signal_probability():
    p = provider_p(10_000)
    thresholds = calibrate_thresholds(p)
    maxima = simulated_maxima(p, n_sim=10_000, seed=10_031)  # every course, a fresh seed
    alert, alarm = np.mean(maxima >= thresholds.alert), np.mean(maxima >= thresholds.alarm)
    # measured 0.0517 and 0.0014; SE sqrt(.05·.95/10000) = 0.0022 for the test's runs and as
    # much for the calibration's; at 0.2 %: sqrt(.002·.998/10000) = 0.00045 each
    assert alert == pytest.approx(0.05, abs=3 * math.hypot(0.0022, 0.0022))
    assert alarm == pytest.approx(0.002, abs=3 * math.hypot(0.00045, 0.00045))
    assert thresholds.simulated_alert_probability == pytest.approx(0.05)
    assert thresholds.n_courses == 10_000


def test_long_series_thresholds_move_little_from_the_full_simulation():
    p = provider_p(4_000)
    long = calibrate_thresholds(p)
    full = calibrate_thresholds(p, max_courses=p.size)  # every course simulated
    assert (full.alert, full.alarm) == pytest.approx((8.016, 11.163), abs=1e-3)
    assert (long.alert, long.alarm) == pytest.approx((8.014, 11.236), abs=1e-3)


def test_the_simulation_never_runs_over_more_than_the_bounded_length(monkeypatch):
    lengths = []

    def spy(p, *args):
        lengths.append(len(p))
        return simulated_maxima(p, *args)

    monkeypatch.setattr(cusum, "simulated_maxima", spy)
    p = provider_p(50_000)
    calibrate_thresholds(p)
    assert lengths == [MAX_SIMULATED_COURSES]
    short = provider_p(MAX_SIMULATED_COURSES)  # up to the bound: every course, as before
    calibrate_thresholds(short)
    assert lengths[-1] == MAX_SIMULATED_COURSES


def test_up_to_the_bound_the_thresholds_are_the_plain_simulation():
    p = provider_p(300)
    thresholds = calibrate_thresholds(p)
    maxima = simulated_maxima(p)
    assert thresholds.alert == upper_threshold(maxima, 0.95)
    assert thresholds.alarm == upper_threshold(maxima, 0.998)


def test_extrapolation_by_hand():
    # 10,000 maxima: 9,900 at 0 and 100 at 5.0, from blocks of 1,000 courses, for 100,000
    # courses at level 0.95. Λ per block = -ln(0.95)·1000/100000 = 0.000512933; too few
    # series (5.1 of 10,000) reach it, so from h_q = 5.0 (100 series, share 0.01):
    # h = 5 + ln(0.0100503 / 0.000512933) = 5 + ln(19.5939) = 7.97522.
    maxima = np.r_[np.zeros(9_900), np.full(100, 5.0)]
    assert extrapolated_threshold(maxima, 0.95, 1_000, 100_000) == pytest.approx(7.97522, abs=1e-5)
    # 2,000 courses: Λ = 0.0256466, share 0.025321 (253 series): read off the maxima, where
    # 1 % reach 5.0 and every series reaches 0
    assert extrapolated_threshold(maxima, 0.95, 1_000, 2_000) == 5.0
