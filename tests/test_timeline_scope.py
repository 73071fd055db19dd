"""Scope and filters reach every timeline question (issue 4; methods.md section 6): a
provider's scope sees only their courses, a filter changes the numbers, an unknown measure or
grouping is refused. Expected values: ozone_testkit/fixture_timeline.py.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from ozone_testkit import fixture_timeline as fx
from queries.analytics import durability, flare, safety, trajectories, trends
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


def test_unknown_measure_and_grouping_are_refused(timeline_con):
    q = Query(timeline_con, Scope(), Filters(), SETTINGS)
    with pytest.raises(ValueError):
        trends.quarterly_pchart(q, measure="nope")
    with pytest.raises(ValueError):
        trajectories.nrs_trajectory(q, by="course_id; drop")
    with pytest.raises(ValueError):
        safety.adverse_event_rates(q, by="patient_id")


# ---------------------------------------------------------------------------------------
# Scope and filters
# ---------------------------------------------------------------------------------------


def test_provider_scope_sees_only_their_courses(timeline_con):
    scope = Scope.provider("P_B")
    own = {c.course_id for c in fx.COURSES if c.provider_id == "P_B"}
    q = Query(timeline_con, scope, Filters(), SETTINGS)
    flares = flare.flare_courses(q)
    assert set(flares["course_id"]) == own & set(fx.EXPECTED_FLARE)
    serious = safety.serious_events(q)
    assert set(serious["course_id"]) == {"serious_infection_after_session_3"}
    assert len(serious) == 2
    rates = safety.adverse_event_rates(q, by="provider")
    assert list(rates["group"]) == ["P_B"]
    assert safety.screening_summary(q).n_courses == len(own)
    assert set(safety.screening_exceptions(q)["course_id"]) == {"not_screened"}
    with pytest.raises(InsufficientData, match="Not enough courses yet for a line of your own"):
        trajectories.nrs_trajectory(q, by="provider")  # P_B: under 20 with follow-up
    every = Query(timeline_con, scope, Filters(), replace(SETTINGS, min_provider_courses=1))
    assert set(trajectories.nrs_trajectory(every, by="provider")["group"]) == {"P_B"}
    dur = durability.durability_courses(q)
    assert set(dur["course_id"]) <= own
    chart = trends.quarterly_pchart(q, measure="followup")
    # P_B's eligible courses with a start quarter: all 7 but no_baseline_flare_event
    assert chart.points["n"].sum() == 6


def test_a_filter_changes_the_numbers(timeline_con):
    pv = Filters(routes=("paravertebral",))
    s = flare.flare_summary(Query(timeline_con, Scope(), pv, SETTINGS))
    # paravertebral courses with a session: rise_on_day_11_no_flare, flare_quit_after_1_of_4,
    # flare_3_of_6_lost_then_regained, escalated_day_400, not_screened; two flares, one quit
    assert (s.n_started, s.incidence.successes, s.quit_after_flare.successes) == (5, 2, 1)
    rates = safety.adverse_event_rates(Query(timeline_con, Scope(), pv, SETTINGS), by="route")
    assert list(rates["group"]) == ["paravertebral"]
    chart = trends.quarterly_pchart(Query(timeline_con, Scope(), Filters(year_min=2024), SETTINGS))
    assert chart.points["period"].iloc[0] == "2024-Q1"
    with pytest.raises(InsufficientData):
        flare.flare_summary(Query(timeline_con, Scope(), Filters(year_min=2030), SETTINGS))
