"""Quarterly p-charts (issue 4; queries/analytics/trends.py) on the hand-built timeline clinic:
the hand-worked periods and counts of ozone_testkit/fixture_timeline.py.
"""

from __future__ import annotations

import pytest

from ozone_testkit import fixture_timeline as fx
from queries.analytics import trends
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder
from queries.stats.spc import PChart

SETTINGS = Settings()


@pytest.mark.parametrize(
    "measure, expected",
    [("responder", fx.EXPECTED_PCHART_RESPONDER), ("followup", fx.EXPECTED_PCHART_FOLLOWUP)],
)
def test_quarterly_pchart_periods_and_counts(timeline_con, measure, expected):
    q = Query(timeline_con, Scope(), Filters(), SETTINGS)
    chart = trends.quarterly_pchart(q, measure=measure)
    assert isinstance(chart, PChart)
    assert chart.period_kind == "quarter" and chart.measure == measure
    assert chart.n_courses_without_period == 1  # no_quarter_g6pd_unknown
    pts = chart.points
    assert list(pts["period"]) == list(expected)  # chronological, gaps filled with n = 0
    assert {
        p: (n, e) for p, n, e in zip(pts["period"], pts["n"], pts["events"], strict=True)
    } == expected
    total_n = sum(n for n, _ in expected.values())
    assert chart.centre == pytest.approx(sum(e for _, e in expected.values()) / total_n)
    assert pts.loc[pts["n"] == 0, "proportion"].isna().all()


def test_pchart_falls_back_to_years_without_quarters(tmp_path):
    data = fx.rows()
    for row in data["courses"]:
        row["start_quarter"] = ""
    load_folder(fx.write(tmp_path / "extract", data), tmp_path / "yearly.duckdb")
    connection = db.connect(tmp_path / "yearly.duckdb")
    try:
        chart = trends.quarterly_pchart(Query(connection, Scope(), Filters(), SETTINGS))
    finally:
        connection.close()
    assert chart.period_kind == "year" and chart.n_courses_without_period == 0
    got = {
        p: (n, e)
        for p, n, e in zip(
            chart.points["period"], chart.points["n"], chart.points["events"], strict=True
        )
    }
    assert got == fx.EXPECTED_PCHART_RESPONDER_YEARLY
    assert list(chart.points["period"]) == sorted(fx.EXPECTED_PCHART_RESPONDER_YEARLY)
