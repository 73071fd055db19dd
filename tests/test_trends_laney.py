"""The quarterly trends choose Laney's p′ chart when the quarters vary more than binomially,
the p-chart otherwise (methods.md section 4 "Trend"; queries/analytics/trends.py), on the
seeded clinics of ozone_testkit/trend_clinic.py loaded through the real loader.

sigma_z is recomputed here independently of queries.stats.laney, from the responders per
quarter alone: p̄ = Σ x / Σ n, z_k = (x_k/60 - p̄) / sqrt(p̄(1 - p̄)/60),
sigma_z = mean |z_k - z_(k-1)| / 1.128 (Laney 2002).
"""

from __future__ import annotations

import numpy as np
import pytest

from ozone_testkit import trend_clinic
from queries.analytics import trends
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder

SETTINGS = Settings()
N = trend_clinic.COURSES_PER_QUARTER


def independent_sigma_z(responders: list[int]) -> float:
    x = np.asarray(responders, dtype=float)
    p_bar = x.sum() / (N * x.size)
    z = (x / N - p_bar) / np.sqrt(p_bar * (1 - p_bar) / N)
    return float(np.mean(np.abs(np.diff(z))) / 1.128)


def _chart(tmp_path, responders: list[int], **options) -> trends.TrendPChart:
    load_folder(trend_clinic.write(tmp_path / "extract", responders), tmp_path / "t.duckdb")
    connection = db.connect(tmp_path / "t.duckdb")
    try:
        return trends.quarterly_pchart(Query(connection, Scope(), Filters(), SETTINGS), **options)
    finally:
        connection.close()


def test_overdispersed_quarters_get_the_laney_chart(tmp_path):
    responders = trend_clinic.overdispersed_responders()
    chart = _chart(tmp_path, responders)
    assert list(chart.points["events"]) == responders
    assert chart.is_laney and chart.choice.chart == "p_prime"
    assert chart.choice.sigma_z == pytest.approx(independent_sigma_z(responders))
    assert chart.choice.sigma_z == pytest.approx(3.98, abs=0.005)  # seed 20260904
    assert "Laney p′" in chart.choice.reason and "3.98" in chart.choice.reason
    # limits widened by sigma_z: p̄ ± 3·sqrt(p̄(1-p̄)/60)·sigma_z, clipped to [0, 1]
    p_bar = sum(responders) / (N * len(responders))
    width = 3 * np.sqrt(p_bar * (1 - p_bar) / N) * chart.choice.sigma_z
    assert chart.points["upper_limit"].iloc[0] == pytest.approx(min(1.0, p_bar + width))
    assert chart.points["lower_limit"].iloc[0] == pytest.approx(max(0.0, p_bar - width))


def test_binomial_quarters_keep_the_p_chart(tmp_path):
    responders = trend_clinic.binomial_responders()
    chart = _chart(tmp_path, responders)
    assert not chart.is_laney and chart.choice.chart == "p"
    assert chart.choice.sigma_z == pytest.approx(independent_sigma_z(responders))
    assert chart.choice.sigma_z == pytest.approx(0.83, abs=0.005)  # seed 20260904
    p_bar = sum(responders) / (N * len(responders))
    assert chart.points["upper_limit"].iloc[0] == pytest.approx(
        p_bar + 3 * np.sqrt(p_bar * (1 - p_bar) / N)
    )


def test_the_chart_can_be_asked_for(tmp_path):
    chart = _chart(tmp_path, trend_clinic.overdispersed_responders(), chart="p")
    assert not chart.is_laney and "as asked" in chart.choice.reason
