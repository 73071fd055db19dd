"""Safety and screening (issue 4; queries/analytics/safety.py) on the hand-built timeline
clinic: the input rows and hand-worked counts of ozone_testkit/fixture_timeline.py, scipy's
chi-square quantiles for the exact Poisson interval (Garwood 1936) and statsmodels' Wilson
interval.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from ozone_testkit import fixture_timeline as fx
from queries.analytics import safety
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


def _wilson(x, n):
    return proportion_confint(x, n, alpha=0.05, method="wilson")


def test_serious_events_equal_the_input_rows(timeline_con):
    got = safety.serious_events(Query(timeline_con, Scope(), Filters(), SETTINGS))
    assert list(got.columns) == ["course_id", "provider_id", "session_number", "day", "event"]
    provider = {c.course_id: c.provider_id for c in fx.COURSES}
    expected = sorted(
        (
            (cid, provider[cid], int(s) if s else None, int(d), ev)
            for cid, s, d, ev, seriousness in fx.ADVERSE_EVENTS
            if seriousness == "serious"
        ),
        key=lambda r: (r[0], r[3]),
    )
    rows = [
        (
            r.course_id,
            r.provider_id,
            None if pd.isna(r.session_number) else int(r.session_number),
            int(r.day),
            r.event,
        )
        for r in got.itertuples()
    ]
    assert rows == expected


def _poisson_exact(k, exposure, per=100.0):
    lo = sps.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
    hi = sps.chi2.ppf(0.975, 2 * (k + 1)) / 2
    return lo / exposure * per, hi / exposure * per


@pytest.mark.parametrize(
    "by, expected",
    [("route", fx.EXPECTED_SAFETY_BY_ROUTE), ("provider", fx.EXPECTED_SAFETY_BY_PROVIDER)],
)
def test_adverse_event_rates(timeline_con, by, expected):
    got = safety.adverse_event_rates(Query(timeline_con, Scope(), Filters(), SETTINGS), by=by)
    got = got.set_index("group")
    assert list(got.index) == list(expected)
    for group, (n, sessions, events, serious, with_event) in expected.items():
        row = got.loc[group]
        assert (
            row["n_courses"],
            row["n_sessions"],
            row["n_events"],
            row["n_serious_events"],
            row["n_courses_with_event"],
        ) == (n, sessions, events, serious, with_event)
        assert row["events_per_100_sessions"] == pytest.approx(100 * events / sessions)
        assert (
            row["events_per_100_sessions_ci_lower_95"],
            row["events_per_100_sessions_ci_upper_95"],
        ) == pytest.approx(_poisson_exact(events, sessions), rel=1e-9)
        assert (
            row["serious_events_per_100_sessions_ci_lower_95"],
            row["serious_events_per_100_sessions_ci_upper_95"],
        ) == pytest.approx(_poisson_exact(serious, sessions), rel=1e-9)
        assert row["events_per_course"] == pytest.approx(events / n)
        assert row["course_event_rate"] == pytest.approx(with_event / n)
        assert (row["course_event_ci_lower_95"], row["course_event_ci_upper_95"]) == pytest.approx(
            _wilson(with_event, n), abs=1e-9
        )


def test_screening(timeline_con):
    s = safety.screening_summary(Query(timeline_con, Scope(), Filters(), SETTINGS))
    e = fx.EXPECTED_SCREENING
    assert s.n_courses == e["n_courses"]
    assert (s.not_screened.successes, s.not_screened.n) == (e["n_not_screened"], e["n_courses"])
    assert (s.contraindicated.successes, s.contraindicated.n) == (
        e["n_contraindicated"],
        e["n_courses"],
    )
    assert (s.g6pd_tested.successes, s.g6pd_tested.n) == (e["n_g6pd_tested"], e["n_g6pd_known"])
    assert s.n_g6pd_unknown == e["n_g6pd_unknown"]
    assert (s.g6pd_tested.lower, s.g6pd_tested.upper) == pytest.approx(
        _wilson(e["n_g6pd_tested"], e["n_g6pd_known"]), abs=1e-9
    )
    listed = safety.screening_exceptions(Query(timeline_con, Scope(), Filters(), SETTINGS))
    assert [tuple(r) for r in listed.itertuples(index=False)] == list(
        fx.EXPECTED_SCREENING_EXCEPTIONS
    )


def test_clinic_reference_for_adverse_events_is_the_same_for_every_viewer(timeline_con):
    """A provider's Safety page compares with the whole clinic: the reference row ignores the
    scope (an aggregate of every provider), and carries no provider id."""
    director = safety.clinic_adverse_event_rates(Query(timeline_con, Scope.clinic()))
    provider = safety.clinic_adverse_event_rates(Query(timeline_con, Scope.provider("P_B")))
    assert list(provider["group"]) == ["clinic"]
    pd.testing.assert_frame_equal(director, provider)
    totals = safety.adverse_event_rates(Query(timeline_con, Scope.clinic()), by="provider")
    assert int(provider["n_events"].iat[0]) == int(totals["n_events"].sum())
