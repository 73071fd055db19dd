"""The Timeline and Cases like this figures computed set-wise (issue 10: weeks, durations and
flags at load time, one aggregating query per figure) equal the course-by-course pandas
computation they replaced, on the synthetic clinic (conftest ``synthetic_clinic_db``).

The reference is the pandas implementation kept in the core for this purpose:
:func:`queries.stats.trajectory.assign_weeks` / :func:`trajectory_by_week` over
:func:`queries.analytics.trajectories.nrs_changes` (methods.md section 5: trajectory), and
Kaplan-Meier over one row per course (:func:`queries.stats.survival.kaplan_meier_by_group`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from ozone_testkit.daily_values import daily_connection
from queries.analytics import cases, durability, flare, trajectories
from queries.analytics.courses import course_factors
from queries.analytics.query import Query
from queries.core.factors import as_ordered
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.stats import survival
from queries.stats.trajectory import (
    TRAJECTORY_WINDOWS,
    WeekWindow,
    assign_weeks,
    mart_weeks,
    trajectory_by_week,
    week_day_ranges,
    week_plan,
)

SETTINGS = replace(Settings(), min_provider_courses=1)  # every provider gets a line here


@pytest.fixture(scope="module")
def con(synthetic_clinic_db):
    connection = db.connect(synthetic_clinic_db)
    yield connection
    connection.close()


def _q(con, scope: Scope | None = None, filters: Filters | None = None) -> Query:
    return Query(con, scope or Scope(), filters or Filters(), SETTINGS)


def _same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    """Same rows (by ``keys``), same counts, the same numbers to 1e-9."""
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert got[keys].astype(str).equals(want[keys].astype(str))
    for col in got.columns.difference(keys):
        np.testing.assert_allclose(
            got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), atol=1e-9, err_msg=col
        )


def test_week_day_ranges_are_the_nearest_week_rule():
    """By hand from methods.md section 5: a day goes to the nearest target (7 x week), the
    later week on a tie, inside its window: day 49 (6 and 8 both 7 days away) is week 8's,
    so week 6 stops at 48; week 12 starts at 70 (the middle of 56 and 84)."""
    want = {0: (-60, 0), 1: (4, 10), 2: (11, 17), 3: (18, 24), 4: (25, 31), 6: (35, 48)}
    want |= {8: (49, 63), 12: (70, 98), 26: (154, 210), 52: (322, 406)}
    assert {w.week: (w.first_day, w.last_day) for w in week_day_ranges()} == want
    # a week between two others narrows both neighbours' ranges (week 5: days 32..38)
    narrowed = {
        w.week: (w.first_day, w.last_day)
        for w in week_day_ranges(
            tuple(sorted((*TRAJECTORY_WINDOWS, WeekWindow(5, 28, 42)), key=lambda w: w.week))
        )
    }
    assert (narrowed[4], narrowed[5], narrowed[6]) == ((25, 31), (32, 38), (39, 48))


def test_the_marts_weeks_are_assign_weeks_course_by_course(con):
    """Every course x week the load kept is the one pandas keeps: same day, same change."""
    mart = con.sql("select * from course_trajectory_weeks order by course_id, week").df()
    changes = trajectories.nrs_changes(_q(con))
    want = assign_weeks(changes)[["course_id", "week", "day", "change_from_baseline"]]
    assert len(mart) == len(want) > 10 * len(changes["course_id"].unique()) / 2
    _same(mart, want, ["course_id", "week", "day"])


@pytest.mark.parametrize("by", [None, "severity", "adherence", "rehab", "provider"])
def test_trajectory_equals_pandas(con, by):
    q = _q(con, filters=Filters(year_min=2023))
    long = trajectories.nrs_changes(q, by)
    if by is None:
        want = trajectory_by_week(long, None, q.level)
    else:
        long = long.assign(group_value=as_ordered(long["group_value"], by))
        want = trajectory_by_week(long, "group_value", q.level)
        want["group"] = want["group"].astype(object)
    _same(trajectories.nrs_trajectory(q, by), want, ["group", "week", "n_courses"])


def test_provider_scope_trajectory_equals_pandas(con):
    provider = con.sql("select min(provider_id) from courses").fetchall()[0][0]
    q = _q(con, Scope.provider(provider))
    want = trajectory_by_week(trajectories.nrs_changes(q), None, q.level)
    got = trajectories.nrs_trajectory(q)
    _same(got, want, ["group", "week", "n_courses"])
    assert got["n_courses"].max() < trajectories.nrs_trajectory(_q(con))["n_courses"].max()


@pytest.mark.parametrize(
    "profile",
    [
        cases.case_profile(),
        cases.case_profile(indication="knee_oa", rehab="none"),
        cases.case_profile(severity_class="moderate", age_band="60-69"),
    ],
)
def test_cases_like_this_equals_pandas(con, profile):
    q = _q(con)
    rows = course_factors(q)
    like = pd.Series(True, index=rows.index)
    for column, value in profile.picked().items():
        like &= rows[column] == value
    similar = rows[like]
    changes = trajectories.nrs_changes(q)
    want = trajectory_by_week(changes[changes["course_id"].isin(similar["course_id"])])
    _same(cases.trajectory_like_this(q, profile).weeks, want, ["group", "week", "n_courses"])

    groups = cases.cases_like_this(q, profile).groups.set_index("group")
    eligible = similar["is_eligible"].astype(bool)
    followup = eligible & similar["has_followup"].astype(bool)
    clinic = groups.loc["clinic"]
    assert clinic["n_courses"] == len(similar) and clinic["n_eligible"] == eligible.sum()
    assert clinic["n_followup"] == followup.sum()
    assert clinic["n_responders"] == (followup & similar["is_responder"].eq(True)).sum()
    per_provider = similar.groupby("provider_id").size()
    assert groups.drop(index="clinic")["n_courses"].to_dict() == per_provider.to_dict()


def test_durability_equals_kaplan_meier_course_by_course(con):
    q = _q(con)
    courses = durability.durability_courses(q, by="rehab")
    frame = courses.assign(
        group=as_ordered(courses["group"], "rehab"), event=courses["is_response_lost"].astype(int)
    )
    want = survival.kaplan_meier_by_group(frame, "duration_days", "event", "group", q.level)
    want["group"] = want["group"].astype(object)
    got = durability.durability_km(q, by="rehab")
    assert got.n_responders == len(courses)
    _same(got.km, want, ["group", "time", "n_at_risk", "n_events", "n_censored"])


def test_escalation_equals_cumulative_incidence_course_by_course(con):
    q = _q(con)
    courses = durability.escalation_courses(q, by="severity")
    frame = courses.assign(
        group=as_ordered(courses["group"], "severity"), event=courses["is_escalated"].astype(int)
    )
    want = survival.cumulative_incidence_by(frame, "duration_days", "event", "group", 365)
    got = durability.escalation_by_severity(q).set_index("group")
    assert list(got.index) == list(want["group"].astype(object))
    np.testing.assert_allclose(got["cumulative_incidence"], want["cumulative_incidence"])
    assert got["n_courses"].tolist() == want["n_courses"].tolist()
    escalated = courses[courses["is_escalated"]]
    assert got["n_escalated"].to_dict() == escalated.groupby("group").size().to_dict()
    within = escalated[escalated["escalated_day"] <= 365].groupby("group").size()
    assert got["n_escalated_within_horizon"][within.index].to_dict() == within.to_dict()


def test_flare_counts_equal_the_courses(con):
    q = _q(con, filters=Filters(routes=("intra_articular", "paravertebral")))
    courses = flare.flare_courses(q)
    summary = flare.flare_summary(q)
    assert summary.n_started == len(courses)
    assert summary.incidence.successes == courses["is_early_flare"].sum()
    assert summary.quit_after_flare.successes == courses["is_quit_after_flare"].sum()
    outcomes = summary.outcomes.set_index("path")
    for path, rows in courses.groupby("flare_path"):
        assert outcomes.loc[path, "n_courses"] == len(rows)
        assert outcomes.loc[path, "n_responders"] == rows["is_responder"].sum()
    links = flare.flare_flow(q).set_index(["source", "target"])["n_courses"]
    outcome_links = links[
        links.index.get_level_values("target").isin(flare.NODE_BY_OUTCOME.values())
    ]
    want = courses["outcome"].map(flare.NODE_BY_OUTCOME).value_counts()
    assert outcome_links.groupby(level="target").sum().to_dict() == want.to_dict()
    pd.testing.assert_frame_equal(summary.flow, flare.flare_flow(q))  # one query for the tab


def test_kaplan_meier_with_counts_is_kaplan_meier_of_the_rows():
    """One row per duration and event with its count gives the curve of the rows repeated."""
    durations, events, counts = [0, 3, 3, 5, 8], [0, 1, 0, 1, 0], [2, 3, 1, 4, 2]
    repeated = survival.kaplan_meier(np.repeat(durations, counts), np.repeat(events, counts))
    pd.testing.assert_frame_equal(survival.kaplan_meier(durations, events, counts=counts), repeated)
    with pytest.raises(ValueError, match="whole numbers"):
        survival.kaplan_meier(durations, events, counts=[1, 2, 0.5, 1, 1])


def test_trajectory_mart_by_hand():
    """The load's week assignment on hand-made rows (methods.md section 5): baseline 6 on day
    -3; day 5 and day 9 both two days from week 1's target (7): the later, day 9 (5: -1);
    day 2 is in no week; day 45 is week 6's (3: -3); day 49, a tie between weeks 6 and 8,
    is week 8's (2: -4). A course without a baseline (B: no value on day <= 0) has no rows."""
    daily = [("A", -3, 6.0), ("A", 2, 3.0), ("A", 5, 4.0), ("A", 9, 5.0), ("A", 45, 3.0)]
    daily += [("A", 49, 2.0), ("B", 7, 4.0)]
    con = daily_connection(daily)
    db.execute_script(  # the load's order (queries/data/loading.py build_marts)
        con,
        "marts/primary_course_values",
        instrument="nrs_pain",
        windows=[{"target_day": 84, "first_day": 56, "last_day": 112}],
        **week_plan(mart_weeks(), [{"target_day": 84, "first_day": 56, "last_day": 112}]),
        flare_first_day=1,
        flare_last_day=10,
    )
    db.execute_script(con, "marts/course_trajectory_weeks", week_slots=mart_weeks())
    got = con.execute("select * from course_trajectory_weeks order by week").fetchall()
    assert got == [("A", 0, -3, 0.0), ("A", 1, 9, -1.0), ("A", 6, 45, -3.0), ("A", 8, 49, -4.0)]


def test_a_case_no_course_matches_has_no_rows(con):
    """No similar course: no clinic row either (the page then says so in one sentence)."""
    q = _q(con, filters=Filters(indications=("knee_oa",)))
    profile = cases.case_profile(indication="hip_oa")
    assert cases.cases_like_this(q, profile).groups.empty
    assert cases.trajectory_like_this(q, profile).weeks.empty
