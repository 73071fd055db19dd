"""Durability of response and escalation (issue 4; queries/analytics/durability.py) on the
hand-built timeline clinic: the hand-worked answers of ozone_testkit/fixture_timeline.py and
statsmodels ``SurvfuncRight`` for Kaplan-Meier.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from ozone_testkit import fixture_timeline as fx
from queries.analytics import durability
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


def assert_course_by_course(got, expected, flag):
    """Each course's (group, duration_days, ``flag``) is the hand-worked one."""
    for course_id, answer in expected.items():
        row = got.loc[course_id]
        assert (row["group"], int(row["duration_days"]), bool(row[flag])) == answer, course_id


def statsmodels_km(expected, group) -> SurvfuncRight:
    """statsmodels' Kaplan-Meier of one group's hand-worked (duration, event) pairs."""
    rows = [(d, e) for g, d, e in expected.values() if g == group]
    return SurvfuncRight(np.array([d for d, _ in rows], float), np.array([int(e) for _, e in rows]))


def test_durability_course_by_course(timeline_con):
    q = Query(timeline_con, Scope(), Filters(), SETTINGS)
    got = durability.durability_courses(q, by="rehab")
    got = got.set_index("course_id")
    assert set(got.index) == set(fx.EXPECTED_DURABILITY)
    assert_course_by_course(got, fx.EXPECTED_DURABILITY, "is_response_lost")


def test_durability_km_equals_statsmodels(timeline_con):
    result = durability.durability_km(Query(timeline_con, Scope(), Filters(), SETTINGS), by="rehab")
    assert result.n_responders == len(fx.EXPECTED_DURABILITY)
    assert list(dict.fromkeys(result.km["group"])) == ["none", "home_program", "supervised_pt"]
    for group in ("none", "home_program", "supervised_pt"):
        sf = statsmodels_km(fx.EXPECTED_DURABILITY, group)
        km = result.km[(result.km["group"] == group) & (result.km["n_events"] > 0)]
        np.testing.assert_allclose(km["time"], sf.surv_times)
        np.testing.assert_allclose(km["survival"], sf.surv_prob, atol=1e-12)
        np.testing.assert_allclose(km["n_at_risk"], sf.n_risk)
        np.testing.assert_allclose(km["std_error"], sf.surv_prob_se, atol=1e-12)
    risk = result.at_risk.set_index(["group", "time"])["n_at_risk"]
    for group, expected in fx.EXPECTED_DURABILITY_AT_RISK.items():
        assert tuple(int(risk.loc[(group, float(t))]) for t in (0, 90, 180, 270)) == expected


def test_escalation_by_severity(timeline_con):
    q = Query(timeline_con, Scope(), Filters(), SETTINGS)
    courses = durability.escalation_courses(q).set_index("course_id")
    assert_course_by_course(courses, fx.EXPECTED_ESCALATION, "is_escalated")

    got = durability.escalation_by_severity(q)
    got = got.set_index("group")
    assert list(got.index) == list(fx.EXPECTED_ESCALATION_BY_SEVERITY)  # natural order
    for severity, (n, n_esc, n_within, inc) in fx.EXPECTED_ESCALATION_BY_SEVERITY.items():
        row = got.loc[severity]
        assert (row["n_courses"], row["n_escalated"], row["n_escalated_within_horizon"]) == (
            n,
            n_esc,
            n_within,
        ), severity
        if inc is None:
            assert np.isnan(row["cumulative_incidence"]), severity
        else:
            assert row["cumulative_incidence"] == pytest.approx(inc), severity
            # 1 - KM at day 365 from statsmodels on the same durations
            sf = statsmodels_km(fx.EXPECTED_ESCALATION, severity)
            at = np.searchsorted(sf.surv_times, 365, side="right") - 1
            s365 = sf.surv_prob[at] if at >= 0 else 1.0
            assert row["cumulative_incidence"] == pytest.approx(1 - s365)
