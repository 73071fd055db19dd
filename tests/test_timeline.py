"""The course timeline (issue 4) on the hand-built timeline clinic and on a synthetic clinic.

Expected values come from: the hand-worked answers in tests/fixture_timeline.py (course by
course); an independent pandas + scipy computation of the trajectory from the fixture rows;
statsmodels ``SurvfuncRight`` for Kaplan-Meier; scipy's chi-square quantiles for the exact
Poisson interval (Garwood 1936); statsmodels' Wilson interval; and, for the synthetic clinic,
the planted truth ``clinic.truth`` of sample_data/generator.py (sample_data/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from queries.data import db
from queries.analytics import timeline
from queries.core.scope import Filters, Scope
from queries.core.errors import InsufficientData
from queries.data.loading import load_folder
from queries.core.settings import Settings
from queries.stats.spc import PChart
from queries.stats.survival import survival_at
from tests import fixture_timeline as fx

SETTINGS = Settings()


def _load(folder, path):
    load_folder(folder, path)
    return db.connect(path)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timeline")
    connection = _load(fx.write(tmp / "extract"), tmp / "timeline.duckdb")
    yield connection
    connection.close()


def _wilson(x, n):
    return proportion_confint(x, n, alpha=0.05, method="wilson")


# ---------------------------------------------------------------------------------------
# Trajectory
# ---------------------------------------------------------------------------------------

# Independent restatement of the trajectory weeks (methods.md section 5, queries/trajectory.py
# docstring): target day 7 x week; a day goes to the nearest target (later week on a tie) and
# counts only inside that week's window; week 0 = day -60..0.
WEEKS = {0: (-60, 0), 1: (4, 10), 2: (11, 17), 3: (18, 24), 4: (25, 31), 6: (35, 49),
         8: (49, 63), 12: (70, 98), 26: (154, 210), 52: (322, 406)}


def _week_of(day: int) -> int | None:
    best = min(WEEKS, key=lambda w: (abs(day - 7 * w), -w))
    lo, hi = WEEKS[best]
    return best if lo <= day <= hi else None


def _expected_trajectory(group_of) -> pd.DataFrame:
    """Mean change by week from the fixture rows, with pandas and scipy only."""
    raw = pd.DataFrame([(c.course_id, d, s) for c in fx.COURSES for d, s in c.nrs],
                       columns=["course_id", "day", "score"])
    daily = raw.groupby(["course_id", "day"], as_index=False)["score"].mean()
    base = daily[daily["day"] <= 0].sort_values("day").groupby("course_id").last()["score"]
    daily = daily[daily["course_id"].isin(base.index)].copy()
    daily["change"] = daily["score"] - daily["course_id"].map(base)
    daily["week"] = daily["day"].map(_week_of)
    daily = daily.dropna(subset=["week"])
    daily["dist"] = (daily["day"] - 7 * daily["week"]).abs()
    daily = daily.sort_values(["course_id", "week", "dist", "day"],
                              ascending=[True, True, True, False])
    one = daily.drop_duplicates(["course_id", "week"])
    one = one.assign(group=one["course_id"].map(group_of))
    rows = []
    for (group, week), part in one.groupby(["group", "week"]):
        values = part["change"].to_numpy()
        n, mean = len(values), values.mean()
        if n >= 2:
            half = sps.t.ppf(0.975, n - 1) * sps.sem(values)  # 0 when all values agree
            lo, hi = mean - half, mean + half
        else:
            lo = hi = np.nan
        rows.append({"group": group, "week": int(week), "n_courses": n, "mean_change": mean,
                     "ci_lower_95": lo, "ci_upper_95": hi})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by", [None, "rehab", "severity", "provider"])
def test_trajectory_matches_pandas_and_scipy(con, by):
    attr = {None: None, "rehab": "rehab", "severity": "severity", "provider": "provider_id"}[by]
    courses = {c.course_id: c for c in fx.COURSES}

    def group_of(course_id):
        return "all courses" if attr is None else getattr(courses[course_id], attr)

    got = timeline.nrs_trajectory(con, Scope(), Filters(), SETTINGS, by=by)
    assert list(got.columns) == ["group", "week", "n_courses", "mean_change", "ci_lower_95",
                                 "ci_upper_95"]
    expected = _expected_trajectory(group_of)
    key = ["group", "week"]
    merged = got.merge(expected, on=key, suffixes=("", "_expected"), how="outer",
                       indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["n_courses"] == merged["n_courses_expected"]).all()
    for col in ("mean_change", "ci_lower_95", "ci_upper_95"):
        np.testing.assert_allclose(merged[col], merged[f"{col}_expected"], atol=1e-9)
    # week 0 is the baseline itself: change exactly 0 for every course with a baseline
    assert (got.loc[got["week"] == 0, "mean_change"] == 0).all()
    if by == "rehab":  # natural order, never alphabetical
        assert list(dict.fromkeys(got["group"])) == ["none", "home_program", "supervised_pt"]


def test_trajectory_spot_values(con):
    """Week 1 by hand: flare_rise_exactly_1 +1 (day 7), flare_quit_after_1_of_4 +2 (day 4),
    flare_quit_after_2_of_5 +1 (day 6), flare_2_of_2_planned_not_quit +2 (day 5),
    no_flare_quit_after_1_of_3 -1 (day 7): mean 1.0; days 2-3 belong to no week (nearer
    week 0, which stops at day 0)."""
    got = timeline.nrs_trajectory(con, Scope(), Filters(), SETTINGS)
    week1 = got[got["week"] == 1].iloc[0]
    assert week1["n_courses"] == 5 and week1["mean_change"] == pytest.approx(1.0)
    # week 0: every course with a baseline (21 of 22: no_baseline_flare_event has none)
    assert got.loc[got["week"] == 0, "n_courses"].item() == 21


# ---------------------------------------------------------------------------------------
# Flare and quitting
# ---------------------------------------------------------------------------------------

def test_flare_classification_course_by_course(con):
    got = timeline.flare_courses(con, Scope(), Filters(), SETTINGS).set_index("course_id")
    assert set(got.index) == set(fx.EXPECTED_FLARE)  # not_started is in no flare table
    for course_id, (nrs, event, early_quit, path, outcome) in fx.EXPECTED_FLARE.items():
        row = got.loc[course_id]
        assert (bool(row["has_nrs_flare"]), bool(row["has_flare_event"]),
                bool(row["is_early_quit"]), row["flare_path"], row["outcome"]) == \
            (nrs, event, early_quit, path, outcome), course_id
        assert bool(row["is_early_flare"]) == (nrs or event), course_id
        assert bool(row["is_quit_after_flare"]) == ((nrs or event) and early_quit), course_id


def test_flare_summary_counts_and_intervals(con):
    s = timeline.flare_summary(con, Scope(), Filters(), SETTINGS)
    t = fx.EXPECTED_FLARE_TOTALS
    assert s.n_started == t["n_started"]
    assert (s.incidence.successes, s.incidence.n) == (t["n_flare"], t["n_started"])
    assert (s.n_flare_nrs_only, s.n_flare_event_only, s.n_flare_both) == \
        (t["n_flare_nrs_only"], t["n_flare_event_only"], t["n_flare_both"])
    assert (s.quit_after_flare.successes, s.quit_after_flare.n) == \
        (t["n_quit_after_flare"], t["n_flare"])
    assert (s.early_quit_without_flare.successes, s.early_quit_without_flare.n) == \
        (t["n_early_quit_no_flare"], t["n_no_flare"])
    for p in (s.incidence, s.quit_after_flare, s.early_quit_without_flare):
        assert (p.lower, p.upper) == pytest.approx(_wilson(p.successes, p.n), abs=1e-9)

    out = s.outcomes.set_index("path")
    assert list(out.index) == list(fx.EXPECTED_FLARE_OUTCOMES)
    for path, (n, n_elig, n_fu, n_resp) in fx.EXPECTED_FLARE_OUTCOMES.items():
        row = out.loc[path]
        assert (row["n_courses"], row["n_eligible"], row["n_followup"],
                row["n_responders"]) == (n, n_elig, n_fu, n_resp), path
        assert row["responder_rate"] == pytest.approx(n_resp / n_fu)
        assert (row["ci_lower_95"], row["ci_upper_95"]) == \
            pytest.approx(_wilson(n_resp, n_fu), abs=1e-9)

    quit_exp = s.quit_by_expectations.set_index("expectations")
    for exp, (n_flare, n_quit) in fx.EXPECTED_QUIT_BY_EXPECTATIONS.items():
        assert (quit_exp.loc[exp, "n_flare"], quit_exp.loc[exp, "n_quit_after_flare"]) == \
            (n_flare, n_quit), exp
    # by expectations adds up to the overall outcome table
    summed = s.outcomes_by_expectations.groupby("path")[
        ["n_courses", "n_eligible", "n_followup", "n_responders"]].sum()
    for path, expected in fx.EXPECTED_FLARE_OUTCOMES.items():
        assert tuple(summed.loc[path]) == expected


def test_flare_flow_links(con):
    flow = timeline.flare_flow(con, Scope(), Filters(), SETTINGS)
    assert list(flow.columns) == ["source", "target", "n_courses"]
    got = {(r.source, r.target): r.n_courses for r in flow.itertuples()}
    assert got == fx.EXPECTED_FLOW
    assert set(flow["source"]) | set(flow["target"]) <= set(timeline.FLOW_NODES)


# ---------------------------------------------------------------------------------------
# Durability and escalation
# ---------------------------------------------------------------------------------------

def test_durability_course_by_course(con):
    got = timeline.durability_courses(con, Scope(), Filters(), SETTINGS, by="rehab")
    got = got.set_index("course_id")
    assert set(got.index) == set(fx.EXPECTED_DURABILITY)
    for course_id, (rehab, duration, lost) in fx.EXPECTED_DURABILITY.items():
        row = got.loc[course_id]
        assert (row["group"], int(row["duration_days"]), bool(row["is_response_lost"])) == \
            (rehab, duration, lost), course_id


def test_durability_km_equals_statsmodels(con):
    result = timeline.durability_km(con, Scope(), Filters(), SETTINGS, by="rehab")
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


def test_escalation_by_severity(con):
    courses = timeline.escalation_courses(con, Scope(), Filters(), SETTINGS).set_index(
        "course_id")
    for course_id, (severity, duration, escalated) in fx.EXPECTED_ESCALATION.items():
        row = courses.loc[course_id]
        assert (row["group"], int(row["duration_days"]), bool(row["is_escalated"])) == \
            (severity, duration, escalated), course_id

    got = timeline.escalation_by_severity(con, Scope(), Filters(), SETTINGS).set_index("group")
    assert list(got.index) == list(fx.EXPECTED_ESCALATION_BY_SEVERITY)  # natural order
    for severity, (n, n_esc, n_within, inc) in fx.EXPECTED_ESCALATION_BY_SEVERITY.items():
        row = got.loc[severity]
        assert (row["n_courses"], row["n_escalated"], row["n_escalated_within_horizon"]) == \
            (n, n_esc, n_within), severity
        if inc is None:
            assert np.isnan(row["cumulative_incidence"]), severity
        else:
            assert row["cumulative_incidence"] == pytest.approx(inc), severity
            # 1 - KM at day 365 from statsmodels on the same durations
            rows = [(d, e) for s, d, e in fx.EXPECTED_ESCALATION.values() if s == severity]
            sf = SurvfuncRight(np.array([d for d, _ in rows], float),
                               np.array([int(e) for _, e in rows]))
            at = np.searchsorted(sf.surv_times, 365, side="right") - 1
            s365 = sf.surv_prob[at] if at >= 0 else 1.0
            assert row["cumulative_incidence"] == pytest.approx(1 - s365)


# ---------------------------------------------------------------------------------------
# Safety and screening
# ---------------------------------------------------------------------------------------

def test_serious_events_equal_the_input_rows(con):
    got = timeline.serious_events(con, Scope(), Filters(), SETTINGS)
    assert list(got.columns) == ["course_id", "provider_id", "session_number", "day", "event"]
    provider = {c.course_id: c.provider_id for c in fx.COURSES}
    expected = sorted(
        ((cid, provider[cid], int(s) if s else None, int(d), ev)
         for cid, s, d, ev, seriousness in fx.ADVERSE_EVENTS if seriousness == "serious"),
        key=lambda r: (r[0], r[3]))
    rows = [(r.course_id, r.provider_id, None if pd.isna(r.session_number)
             else int(r.session_number), int(r.day), r.event) for r in got.itertuples()]
    assert rows == expected


def _poisson_exact(k, exposure, per=100.0):
    lo = sps.chi2.ppf(0.025, 2 * k) / 2 if k > 0 else 0.0
    hi = sps.chi2.ppf(0.975, 2 * (k + 1)) / 2
    return lo / exposure * per, hi / exposure * per


@pytest.mark.parametrize("by, expected", [("route", fx.EXPECTED_SAFETY_BY_ROUTE),
                                          ("provider", fx.EXPECTED_SAFETY_BY_PROVIDER)])
def test_adverse_event_rates(con, by, expected):
    got = timeline.adverse_event_rates(con, Scope(), Filters(), SETTINGS, by=by)
    got = got.set_index("group")
    assert list(got.index) == list(expected)
    for group, (n, sessions, events, serious, with_event) in expected.items():
        row = got.loc[group]
        assert (row["n_courses"], row["n_sessions"], row["n_events"], row["n_serious_events"],
                row["n_courses_with_event"]) == (n, sessions, events, serious, with_event)
        assert row["events_per_100_sessions"] == pytest.approx(100 * events / sessions)
        assert (row["events_per_100_sessions_ci_lower_95"],
                row["events_per_100_sessions_ci_upper_95"]) == \
            pytest.approx(_poisson_exact(events, sessions), rel=1e-9)
        assert (row["serious_events_per_100_sessions_ci_lower_95"],
                row["serious_events_per_100_sessions_ci_upper_95"]) == \
            pytest.approx(_poisson_exact(serious, sessions), rel=1e-9)
        assert row["events_per_course"] == pytest.approx(events / n)
        assert row["course_event_rate"] == pytest.approx(with_event / n)
        assert (row["course_event_ci_lower_95"], row["course_event_ci_upper_95"]) == \
            pytest.approx(_wilson(with_event, n), abs=1e-9)


def test_screening(con):
    s = timeline.screening_summary(con, Scope(), Filters(), SETTINGS)
    e = fx.EXPECTED_SCREENING
    assert s.n_courses == e["n_courses"]
    assert (s.not_screened.successes, s.not_screened.n) == (e["n_not_screened"], e["n_courses"])
    assert (s.contraindicated.successes, s.contraindicated.n) == \
        (e["n_contraindicated"], e["n_courses"])
    assert (s.g6pd_tested.successes, s.g6pd_tested.n) == (e["n_g6pd_tested"], e["n_g6pd_known"])
    assert s.n_g6pd_unknown == e["n_g6pd_unknown"]
    assert (s.g6pd_tested.lower, s.g6pd_tested.upper) == \
        pytest.approx(_wilson(e["n_g6pd_tested"], e["n_g6pd_known"]), abs=1e-9)
    listed = timeline.screening_exceptions(con, Scope(), Filters(), SETTINGS)
    assert [tuple(r) for r in listed.itertuples(index=False)] == \
        list(fx.EXPECTED_SCREENING_EXCEPTIONS)


# ---------------------------------------------------------------------------------------
# Trends
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("measure, expected", [("responder", fx.EXPECTED_PCHART_RESPONDER),
                                               ("followup", fx.EXPECTED_PCHART_FOLLOWUP)])
def test_quarterly_pchart_periods_and_counts(con, measure, expected):
    chart = timeline.quarterly_pchart(con, Scope(), Filters(), SETTINGS, measure=measure)
    assert isinstance(chart, PChart)
    assert chart.period_kind == "quarter" and chart.measure == measure
    assert chart.n_courses_without_period == 1  # no_quarter_g6pd_unknown
    pts = chart.points
    assert list(pts["period"]) == list(expected)  # chronological, gaps filled with n = 0
    assert {p: (n, e) for p, n, e in zip(pts["period"], pts["n"], pts["events"])} == expected
    total_n = sum(n for n, _ in expected.values())
    assert chart.centre == pytest.approx(sum(e for _, e in expected.values()) / total_n)
    assert pts.loc[pts["n"] == 0, "proportion"].isna().all()


def test_pchart_falls_back_to_years_without_quarters(tmp_path):
    data = fx.rows()
    for row in data["courses"]:
        row["start_quarter"] = ""
    connection = _load(fx.write(tmp_path / "extract", data), tmp_path / "yearly.duckdb")
    try:
        chart = timeline.quarterly_pchart(connection, Scope(), Filters(), SETTINGS)
    finally:
        connection.close()
    assert chart.period_kind == "year" and chart.n_courses_without_period == 0
    got = {p: (n, e) for p, n, e in zip(chart.points["period"], chart.points["n"],
                                        chart.points["events"])}
    assert got == fx.EXPECTED_PCHART_RESPONDER_YEARLY
    assert list(chart.points["period"]) == sorted(fx.EXPECTED_PCHART_RESPONDER_YEARLY)


def test_unknown_measure_and_grouping_are_refused(con):
    with pytest.raises(ValueError):
        timeline.quarterly_pchart(con, Scope(), Filters(), SETTINGS, measure="nope")
    with pytest.raises(ValueError):
        timeline.nrs_trajectory(con, Scope(), Filters(), SETTINGS, by="course_id; drop")
    with pytest.raises(ValueError):
        timeline.adverse_event_rates(con, Scope(), Filters(), SETTINGS, by="patient_id")


# ---------------------------------------------------------------------------------------
# Scope and filters
# ---------------------------------------------------------------------------------------

def test_provider_scope_sees_only_their_courses(con):
    scope = Scope.provider("P_B")
    own = {c.course_id for c in fx.COURSES if c.provider_id == "P_B"}
    flares = timeline.flare_courses(con, scope, Filters(), SETTINGS)
    assert set(flares["course_id"]) == own & set(fx.EXPECTED_FLARE)
    serious = timeline.serious_events(con, scope, Filters(), SETTINGS)
    assert set(serious["course_id"]) == {"serious_infection_after_session_3"}
    assert len(serious) == 2
    rates = timeline.adverse_event_rates(con, scope, Filters(), SETTINGS, by="provider")
    assert list(rates["group"]) == ["P_B"]
    assert timeline.screening_summary(con, scope, Filters(), SETTINGS).n_courses == len(own)
    assert set(timeline.screening_exceptions(con, scope, Filters(), SETTINGS)["course_id"]) \
        == {"not_screened"}
    traj = timeline.nrs_trajectory(con, scope, Filters(), SETTINGS, by="provider")
    assert set(traj["group"]) == {"P_B"}
    dur = timeline.durability_courses(con, scope, Filters(), SETTINGS)
    assert set(dur["course_id"]) <= own
    chart = timeline.quarterly_pchart(con, scope, Filters(), SETTINGS, measure="followup")
    # P_B's eligible courses with a start quarter: all 7 but no_baseline_flare_event
    assert chart.points["n"].sum() == 6


def test_a_filter_changes_the_numbers(con):
    pv = Filters(routes=("paravertebral",))
    s = timeline.flare_summary(con, Scope(), pv, SETTINGS)
    # paravertebral courses with a session: rise_on_day_11_no_flare, flare_quit_after_1_of_4,
    # flare_3_of_6_lost_then_regained, escalated_day_400, not_screened; two flares, one quit
    assert (s.n_started, s.incidence.successes, s.quit_after_flare.successes) == (5, 2, 1)
    rates = timeline.adverse_event_rates(con, Scope(), pv, SETTINGS, by="route")
    assert list(rates["group"]) == ["paravertebral"]
    chart = timeline.quarterly_pchart(con, Scope(), Filters(year_min=2024), SETTINGS)
    assert chart.points["period"].iloc[0] == "2024-Q1"
    with pytest.raises(InsufficientData):
        timeline.flare_summary(con, Scope(), Filters(year_min=2030), SETTINGS)


# ---------------------------------------------------------------------------------------
# The synthetic clinic: the planted timeline patterns are recovered
# ---------------------------------------------------------------------------------------

SYNTHETIC_COURSES = 12000
SYNTHETIC_SEED = 20261125


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from sample_data.generator import generate_clinic, write_clinic

    tmp = tmp_path_factory.mktemp("timeline_synthetic")
    clinic = generate_clinic(SYNTHETIC_COURSES, SYNTHETIC_SEED)
    write_clinic(clinic, tmp / "extract")
    connection = _load(tmp / "extract", tmp / "synthetic.duckdb")
    yield clinic, connection
    connection.close()


def test_synthetic_flare_then_quit_responds_less(synthetic):
    clinic, connection = synthetic
    s = timeline.flare_summary(connection, Scope(), Filters(), SETTINGS)
    out = s.outcomes.set_index("path")
    # planted: quitting after 1-2 sessions costs the dose effect; flare itself also harms
    assert out.loc["flare_quit", "ci_upper_95"] < out.loc["flare_continued", "ci_lower_95"]
    assert out.loc["flare_continued", "responder_rate"] < out.loc["no_flare", "responder_rate"]
    # planted: more quitting after a flare than without one, most with the expectations the
    # truth gives the highest quit probability
    truth = clinic.truth.quit_after_flare_prob_by_expectations
    assert s.early_quit_without_flare.upper < s.quit_after_flare.lower
    quit = s.quit_by_expectations.set_index("expectations")["quit_rate"]
    assert quit[max(truth, key=truth.get)] > quit[min(truth, key=truth.get)]


def test_synthetic_response_wanes_more_without_rehab(synthetic):
    clinic, connection = synthetic
    waning = clinic.truth.wane_by_week_52_prob_by_rehab
    most, least = max(waning, key=waning.get), min(waning, key=waning.get)
    result = timeline.durability_km(connection, Scope(), Filters(), SETTINGS, by="rehab")
    at = survival_at(result.km, [270]).set_index("group")
    assert at.loc[most, "ci_upper_95"] < at.loc[least, "ci_lower_95"]
    assert (result.at_risk["time"].unique() == [0, 90, 180, 270, 360]).all()


def test_synthetic_escalation_by_severity(synthetic):
    clinic, connection = synthetic
    planted = clinic.truth.escalation_prob_by_severity
    assert planted["end_stage"] > planted["moderate"]
    got = timeline.escalation_by_severity(connection, Scope(), Filters(), SETTINGS)
    got = got.set_index("group")
    assert got.loc["end_stage", "ci_lower_95"] > got.loc["moderate", "ci_upper_95"]


def test_synthetic_safety_and_screening(synthetic):
    clinic, connection = synthetic
    clinic_rates = timeline.adverse_event_rates(connection, Scope(), Filters(), SETTINGS,
                                                by="all").iloc[0]
    n_serious = int((clinic.tables["adverse_events"]["seriousness"] == "serious").sum())
    assert clinic_rates["n_serious_events"] == n_serious > 0
    assert clinic_rates["n_sessions"] == len(clinic.tables["sessions"])
    # serious events are rare: under 1 per 1,000 sessions, as planted
    assert clinic.truth.serious_event_rate_per_session < 1 / 1000
    assert clinic_rates["serious_events_per_100_sessions"] / 100 < 1 / 1000
    assert len(timeline.serious_events(connection, Scope(), Filters(), SETTINGS)) == n_serious
    screening = timeline.screening_summary(connection, Scope(), Filters(), SETTINGS)
    assert screening.not_screened.successes > 0
    assert screening.not_screened.lower <= clinic.truth.not_screened_share \
        <= screening.not_screened.upper
    listed = timeline.screening_exceptions(connection, Scope(), Filters(), SETTINGS)
    assert (listed["contraindication"] == "not_screened").sum() == \
        screening.not_screened.successes


def test_synthetic_quarterly_pchart(synthetic):
    clinic, connection = synthetic
    years = clinic.tables["courses"]["start_year"]
    chart = timeline.quarterly_pchart(connection, Scope(), Filters(), SETTINGS)
    assert chart.period_kind == "quarter"
    assert len(chart.points) == 4 * (years.max() - years.min() + 1)
    assert chart.points["period"].iloc[0] == f"{years.min()}-Q1"


def test_clinic_reference_for_adverse_events_is_the_same_for_every_viewer(con):
    """A provider's Safety page compares with the whole clinic: the reference row ignores the
    scope (an aggregate of every provider), and carries no provider id."""
    director = timeline.clinic_adverse_event_rates(con, Scope.clinic())
    provider = timeline.clinic_adverse_event_rates(con, Scope.provider("P_B"))
    assert list(provider["group"]) == ["clinic"]
    pd.testing.assert_frame_equal(director, provider)
    totals = timeline.adverse_event_rates(con, Scope.clinic(), by="provider")
    assert int(provider["n_events"].iat[0]) == int(totals["n_events"].sum())
