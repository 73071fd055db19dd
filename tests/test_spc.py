"""Known-answer tests for queries/spc.py (p-chart, NHS "Making Data Count" rules).

Limits are checked against hand computation of p̄ ± 3·sqrt(p̄(1 - p̄)/n) (methods.md
section 4), written out in the comments. The signal rules are checked on a hand-made
series whose signals were planted by construction (MDC rules as in NHSRplotthedots,
R/ptd_calculate_point_type.R: 7-point shift, 7-point trend, 2 of 3 close to a limit).
"""

import numpy as np
import pandas as pd
import pytest

from ozone_testkit.planted_series import PLANTED, planted_frame
from queries.stats.spc import (
    control_limits,
    p_chart,
    rule_shift,
    rule_trend,
    rule_two_of_three,
)

# The planted series (ozone_testkit/planted_series.py, worked out in its docstring): p̄ = 0.30,
# sigma = 0.0458258, limits 0.1625227 and 0.4374773, near-limit lines 0.2083485 and 0.3916515.


def flagged(chart, column):
    return list(np.flatnonzero(chart.points[column]))


def test_planted_series_centre_and_limits_by_hand():
    chart = p_chart(planted_frame())
    assert sum(PLANTED) == 900 and len(PLANTED) == 30
    assert chart.centre == pytest.approx(0.30, abs=1e-15)
    pts = chart.points
    assert pts["sigma"].to_numpy() == pytest.approx(0.0458258, abs=1e-7)
    assert pts["upper_limit"].to_numpy() == pytest.approx(0.4374773, abs=1e-7)
    assert pts["lower_limit"].to_numpy() == pytest.approx(0.1625227, abs=1e-7)
    assert pts["upper_near_limit"].to_numpy() == pytest.approx(0.3916515, abs=1e-7)
    assert pts["lower_near_limit"].to_numpy() == pytest.approx(0.2083485, abs=1e-7)
    assert chart.n_total == 3000 and chart.events_total == 900


def test_planted_signals_found_and_nothing_else():
    chart = p_chart(planted_frame())
    assert flagged(chart, "signal_beyond_limits") == [4]
    assert flagged(chart, "signal_shift") == list(range(6, 13))
    assert flagged(chart, "signal_trend") == list(range(14, 21))
    assert flagged(chart, "signal_two_of_three") == [22, 24]  # not the 31 between them
    assert flagged(chart, "signal_any") == [4, *range(6, 13), *range(14, 21), 22, 24]
    assert chart.has_signal


def test_varying_n_limits_by_hand_clipped_and_empty_period_skipped():
    frame = pd.DataFrame({"period": [1, 2, 3, 4], "n": [10, 50, 200, 0], "events": [0, 2, 6, 0]})
    chart = p_chart(frame)
    # p̄ = 8 / 260 = 0.0307692
    # n = 10:  sigma = sqrt(0.0307692 * 0.9692308 / 10) = 0.0546100 -> 0.0307692 ± 0.1638299
    # n = 50:  sigma = 0.0244223 -> upper 0.1040362, lower -0.0424977 -> clipped to 0
    # n = 200: sigma = 0.0122112 -> upper 0.0674027, lower -0.0058642 -> clipped to 0
    assert chart.centre == pytest.approx(8 / 260)
    pts = chart.points
    assert pts["sigma"][:3].to_numpy() == pytest.approx([0.0546100, 0.0244223, 0.0122112], abs=1e-7)
    assert pts["upper_limit"][:3].to_numpy() == pytest.approx(
        [0.1945991, 0.1040362, 0.0674027], abs=1e-7
    )
    assert (pts["lower_limit"][:3] == 0).all()
    # the 2-sigma line stays above 0 only for n = 200: 0.0307692 - 2 * 0.0122112 = 0.0063469
    assert pts["lower_near_limit"][2] == pytest.approx(0.0063469, abs=1e-7)
    assert np.isnan(pts["proportion"][3]) and np.isnan(pts["upper_limit"][3])
    assert not pts.loc[
        3,
        [
            "signal_beyond_limits",
            "signal_shift",
            "signal_trend",
            "signal_two_of_three",
            "signal_any",
        ],
    ].any()
    assert not chart.has_signal  # 0/10 sits on the clipped lower limit, not below it


def test_shift_needs_seven_and_runs_over_an_empty_period():
    # p̄ = 374 / 1400 = 0.267: the six 20-22s are below, the 30s and 35s above
    six_low = pd.DataFrame(
        {
            "period": range(14),
            "n": 100,
            "events": [35, 30, 20, 21, 22, 20, 21, 22, 35, 30, 24, 35, 24, 35],
        }
    )
    chart = p_chart(six_low)
    assert chart.centre == pytest.approx(374 / 1400)
    assert not chart.points["signal_shift"].any()  # 6 below is not a shift
    # p̄ = 269 / 1000 = 0.269; seven below, split by a quarter with no courses
    seven_with_gap = pd.DataFrame(
        {
            "period": range(11),
            "n": [100] * 6 + [0] + [100] * 4,
            "events": [40, 41, 39, 20, 22, 21, 0, 23, 20, 22, 21],
        }
    )
    chart = p_chart(seven_with_gap)
    assert chart.centre == pytest.approx(269 / 1000)
    assert flagged(chart, "signal_shift") == [3, 4, 5, 7, 8, 9, 10]


def test_rule_functions_directly():
    assert rule_trend([1, 2, 3, 4, 5, 6, 7]).all()
    assert rule_trend([9, 8, 7, 6, 5, 4, 3, 5]).tolist() == [True] * 7 + [False]
    assert not rule_trend([1, 2, 3, 4, 5, 6]).any()  # 6 rising is not a trend
    assert not rule_trend([1, 2, 3, 3, 4, 5, 6, 7]).any()  # a repeat breaks the run
    assert not rule_shift([0.4] * 6 + [0.3] + [0.4], 0.3).any()  # on the line breaks it
    assert rule_shift([0.2] * 8, 0.3).all()
    # close, below the line, close: not all on one side -> no signal
    v = np.array([0.40, 0.25, 0.41])
    lo, hi = np.full(3, 0.16), np.full(3, 0.44)
    lo_near, hi_near = np.full(3, 0.21), np.full(3, 0.39)
    assert not rule_two_of_three(v, 0.3, lo, hi, lo_near, hi_near).any()
    v = np.array([0.19, 0.28, 0.20])  # two close to the lower limit, all below
    assert rule_two_of_three(v, 0.3, lo, hi, lo_near, hi_near).tolist() == [True, False, True]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"period": [1, 2], "n": [10, 10], "events": [11, 1]}),
        pd.DataFrame({"period": [1, 1], "n": [10, 10], "events": [1, 1]}),
        pd.DataFrame({"period": [1, 2], "n": [0, 0], "events": [0, 0]}),
    ],
)
def test_bad_input_is_refused(frame):
    with pytest.raises(ValueError):
        p_chart(frame)


def test_control_limits_are_named_and_clipped():
    # p̄ = 0.3, sigma = 0.05 and 0.2: 0.3 ± 3 sigma = 0.15..0.45 and (-0.3 -> 0)..(0.9)
    limits = control_limits(0.3, [0.05, 0.2], 3.0)
    lower, upper = limits
    np.testing.assert_allclose(limits.lower, [0.15, 0.0])
    np.testing.assert_allclose(limits.upper, [0.45, 0.9])
    np.testing.assert_array_equal(lower, limits.lower)
    np.testing.assert_array_equal(upper, limits.upper)
