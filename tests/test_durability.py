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
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


def test_durability_course_by_course(timeline_con):
    got = durability.durability_courses(timeline_con, Scope(), Filters(), SETTINGS, by="rehab")
    got = got.set_index("course_id")
    assert set(got.index) == set(fx.EXPECTED_DURABILITY)
    for course_id, (rehab, duration, lost) in fx.EXPECTED_DURABILITY.items():
        row = got.loc[course_id]
        assert (row["group"], int(row["duration_days"]), bool(row["is_response_lost"])) == (
            rehab,
            duration,
            lost,
        ), course_id


def test_durability_km_equals_statsmodels(timeline_con):
    result = durability.durability_km(timeline_con, Scope(), Filters(), SETTINGS, by="rehab")
    assert result.n_responders == len(fx.EXPECTED_DURABILITY)
    assert list(dict.fromkeys(result.km["group"])) == ["none", "home_program", "supervised_pt"]
    for group in ("none", "home_program", "supervised_pt"):
        rows = [(d, e) for g, d, e in fx.EXPECTED_DURABILITY.values() if g == group]
        durations = np.array([d for d, _ in rows], dtype=float)
        events = np.array([int(e) for _, e in rows])
        sf = SurvfuncRight(durations, events)
        km = result.km[(result.km["group"] == group) & (result.km["n_events"] > 0)]
        np.testing.assert_allclose(km["time"], sf.surv_times)
        np.testing.assert_allclose(km["survival"], sf.surv_prob, atol=1e-12)
        np.testing.assert_allclose(km["n_at_risk"], sf.n_risk)
        np.testing.assert_allclose(km["std_error"], sf.surv_prob_se, atol=1e-12)
    risk = result.at_risk.set_index(["group", "time"])["n_at_risk"]
    for group, expected in fx.EXPECTED_DURABILITY_AT_RISK.items():
        assert tuple(int(risk.loc[(group, float(t))]) for t in (0, 90, 180, 270)) == expected


def test_escalation_by_severity(timeline_con):
    courses = durability.escalation_courses(timeline_con, Scope(), Filters(), SETTINGS).set_index(
        "course_id"
    )
    for course_id, (severity, duration, escalated) in fx.EXPECTED_ESCALATION.items():
        row = courses.loc[course_id]
        assert (row["group"], int(row["duration_days"]), bool(row["is_escalated"])) == (
            severity,
            duration,
            escalated,
        ), course_id

    got = durability.escalation_by_severity(timeline_con, Scope(), Filters(), SETTINGS)
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
            rows = [(d, e) for s, d, e in fx.EXPECTED_ESCALATION.values() if s == severity]
            sf = SurvfuncRight(
                np.array([d for d, _ in rows], float), np.array([int(e) for _, e in rows])
            )
            at = np.searchsorted(sf.surv_times, 365, side="right") - 1
            s365 = sf.surv_prob[at] if at >= 0 else 1.0
            assert row["cumulative_incidence"] == pytest.approx(1 - s365)
