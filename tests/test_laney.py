"""Known-answer tests for queries/stats/laney.py (Laney 2002 p′ chart and the p/p′ choice).

Expected numbers are hand computations of Laney's recipe, written out in the comments:
z_i = (p_i - p̄)/sigma_i, sigma_z = mean |z_i - z_{i-1}| / 1.128, limits
p̄ ± 3·sigma_i·sigma_z. The p-chart branch is checked against queries/stats/spc.p_chart.
"""

import numpy as np
import pytest

from ozone_testkit.planted_series import periods, planted_frame
from queries.stats.laney import (
    LANEY,
    P_CHART,
    choose_chart,
    moving_ranges,
    sigma_z,
    trend_chart,
)
from queries.stats.spc import p_chart


def test_wide_series_gets_the_p_prime_chart_by_hand():
    # n = 100 each, events 50, 60, 40, 55, 45: p̄ = 250/500 = 0.5, sigma_i = 0.05
    # z = 0, 2, -2, 1, -1; moving ranges 2, 4, 3, 2, mean 2.75; sigma_z = 2.75/1.128
    # = 2.437943 > 1 -> p′; limits 0.5 ± 3 · 0.05 · 2.437943 = 0.5 ± 0.365691
    chart = trend_chart(periods(100, [50, 60, 40, 55, 45]))
    pts = chart.points
    assert chart.chart == LANEY
    assert pts["z"].to_numpy() == pytest.approx([0, 2, -2, 1, -1])
    assert pts["moving_range"].tolist()[1:] == pytest.approx([2, 4, 3, 2])
    assert chart.choice.sigma_z == pytest.approx(2.437943, abs=1e-6)
    assert pts["lower_limit"].to_numpy() == pytest.approx(0.134309, abs=1e-6)
    assert pts["upper_limit"].to_numpy() == pytest.approx(0.865691, abs=1e-6)
    assert pts["upper_near_limit"].to_numpy() == pytest.approx(0.5 + 2 * 0.05 * 2.437943)
    assert "2.44" in chart.choice.reason and "p′" in chart.choice.reason


def test_tight_series_keeps_the_p_chart_by_hand():
    # events 50, 52, 49, 51, 48: z = 0, 0.4, -0.2, 0.2, -0.4; moving ranges 0.4, 0.6, 0.4,
    # 0.6, mean 0.5; sigma_z = 0.5/1.128 = 0.443262 <= 1 -> p-chart, 0.5 ± 0.15
    chart = trend_chart(periods(100, [50, 52, 49, 51, 48]))
    assert chart.chart == P_CHART
    assert chart.choice.sigma_z == pytest.approx(0.443262, abs=1e-6)
    assert chart.choice.factor == 1.0
    assert chart.points["lower_limit"].to_numpy() == pytest.approx(0.35)
    assert chart.points["upper_limit"].to_numpy() == pytest.approx(0.65)
    assert "binomial limits" in chart.choice.reason


def test_variable_denominators_by_hand():
    # n = 100, 400, 100, 400; events 30, 100, 10, 140: p̄ = 280/1000 = 0.28
    # sigma = sqrt(0.28·0.72/n) = 0.0448999 (n = 100), 0.0224499 (n = 400)
    # z = 0.02/0.0448999 = 0.445435, -0.03/0.0224499 = -1.336306, -0.18/0.0448999 =
    # -4.008919, 0.07/0.0224499 = 3.118048; ranges 1.781742, 2.672612, 7.126966,
    # mean 3.860440; sigma_z = 3.422376; upper limits 0.28 + 3·sigma·sigma_z =
    # 0.740993 (n = 100), 0.510496 (n = 400); lower 0 (clipped) and 0.049504
    chart = trend_chart(periods([100, 400, 100, 400], [30, 100, 10, 140]))
    pts = chart.points
    assert pts["z"].to_numpy() == pytest.approx(
        [0.445435, -1.336306, -4.008919, 3.118048], abs=1e-6
    )
    assert chart.choice.sigma_z == pytest.approx(3.422376, abs=1e-6)
    assert pts["upper_limit"].to_numpy() == pytest.approx([0.740993, 0.510496] * 2, abs=1e-6)
    assert pts["lower_limit"].to_numpy() == pytest.approx([0.0, 0.049504] * 2, abs=1e-6)


def test_p_prime_only_when_sigma_z_is_above_one():
    assert choose_chart(1.0, 12).chart == P_CHART  # exactly binomial: p-chart
    assert choose_chart(1.0 + 1e-9, 12).chart == LANEY
    assert choose_chart(0.3, 12).chart == P_CHART  # never narrower than binomial
    assert choose_chart(float("nan"), 1).chart == P_CHART
    assert "cannot be measured" in choose_chart(float("nan"), 1).reason
    assert choose_chart(1.5, 12, threshold=2.0).chart == P_CHART


def test_p_branch_is_the_spc_p_chart():
    # The planted series of tests/test_spc.py (30 quarters of 100, p̄ = 0.3).
    frame = planted_frame()
    ours = trend_chart(frame, chart=P_CHART).points
    ref = p_chart(frame).points
    for column in ref.columns:
        assert ours[column].tolist() == pytest.approx(ref[column].tolist()), column


def test_large_denominators_signal_on_the_p_chart_but_not_on_p_prime():
    # n = 10,000 a quarter around 0.5: sigma_i = 0.005, 3 sigma = 0.015 (150 events).
    # Offsets (sum 0, so p̄ = 0.5) in events / 50 give z = 4, -3.2, 3.6, -4.4, 2.8, -3.8,
    # 4.2, -3.2: the p-chart flags all but the fifth quarter; the moving ranges average
    # 51.2/7 = 7.314, sigma_z = 6.484, and p′ (limits at z = ±19.5) flags none.
    offsets = [200, -160, 180, -220, 140, -190, 210, -160]
    frame = periods(10_000, [5_000 + d for d in offsets])
    auto = trend_chart(frame)
    forced_p = trend_chart(frame, chart=P_CHART)
    assert auto.chart == LANEY
    assert auto.choice.sigma_z == pytest.approx(51.2 / 7 / 1.128)
    assert list(np.flatnonzero(forced_p.points["signal_beyond_limits"])) == [0, 1, 2, 3, 5, 6, 7]
    assert not auto.points["signal_beyond_limits"].any()
    assert "as asked" in forced_p.choice.reason


def test_periods_without_courses_have_no_point_and_no_range():
    chart = trend_chart(periods([100, 0, 100, 100], [50, 0, 60, 40]))
    pts = chart.points
    assert np.isnan(pts["proportion"].iloc[1]) and np.isnan(pts["z"].iloc[1])
    assert np.isnan(pts["moving_range"].iloc[1])
    # ranges run between plotted points: p̄ = 0.5, z = 0, 2, -2 -> 2, 4
    assert pts["moving_range"].iloc[[2, 3]].tolist() == pytest.approx([2.0, 4.0])
    assert chart.choice.sigma_z == pytest.approx(3.0 / 1.128)
    assert not pts["signal_any"].iloc[1]


def test_helpers_and_bad_input():
    assert np.isnan(moving_ranges([1.0, 3.0])[0]) and moving_ranges([1.0, 3.0])[1] == 2.0
    assert np.isnan(sigma_z([1.0]))
    with pytest.raises(ValueError, match="at least two periods"):
        trend_chart(periods(100, [50]), chart=LANEY)
    with pytest.raises(ValueError, match="unknown chart"):
        trend_chart(periods(100, [50, 40]), chart="u")
    with pytest.raises(ValueError, match="events <= n"):
        trend_chart(periods(100, [50, 140]))
