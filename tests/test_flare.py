"""Early flare and quitting (issue 4; queries/analytics/flare.py) on the hand-built timeline
clinic: the hand-worked answers of ozone_testkit/fixture_timeline.py, course by course, and
statsmodels' Wilson interval.
"""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from ozone_testkit import fixture_timeline as fx
from queries.analytics import flare
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings

SETTINGS = Settings()


def _wilson(x, n):
    return proportion_confint(x, n, alpha=0.05, method="wilson")


def test_flare_classification_course_by_course(timeline_con):
    q = Query(timeline_con, Scope(), Filters(), SETTINGS)
    got = flare.flare_courses(q).set_index("course_id")
    assert set(got.index) == set(fx.EXPECTED_FLARE)  # not_started is in no flare table
    for course_id, (nrs, event, early_quit, path, outcome) in fx.EXPECTED_FLARE.items():
        row = got.loc[course_id]
        assert (
            bool(row["has_nrs_flare"]),
            bool(row["has_flare_event"]),
            bool(row["is_early_quit"]),
            row["flare_path"],
            row["outcome"],
        ) == (nrs, event, early_quit, path, outcome), course_id
        assert bool(row["is_early_flare"]) == (nrs or event), course_id
        assert bool(row["is_quit_after_flare"]) == ((nrs or event) and early_quit), course_id


def test_flare_summary_counts_and_intervals(timeline_con):
    s = flare.flare_summary(Query(timeline_con, Scope(), Filters(), SETTINGS))
    t = fx.EXPECTED_FLARE_TOTALS
    assert s.n_started == t["n_started"]
    assert (s.incidence.successes, s.incidence.n) == (t["n_flare"], t["n_started"])
    assert (s.n_flare_nrs_only, s.n_flare_event_only, s.n_flare_both) == (
        t["n_flare_nrs_only"],
        t["n_flare_event_only"],
        t["n_flare_both"],
    )
    assert (s.quit_after_flare.successes, s.quit_after_flare.n) == (
        t["n_quit_after_flare"],
        t["n_flare"],
    )
    assert (s.early_quit_without_flare.successes, s.early_quit_without_flare.n) == (
        t["n_early_quit_no_flare"],
        t["n_no_flare"],
    )
    for p in (s.incidence, s.quit_after_flare, s.early_quit_without_flare):
        assert (p.lower, p.upper) == pytest.approx(_wilson(p.successes, p.n), abs=1e-9)

    out = s.outcomes.set_index("path")
    assert list(out.index) == list(fx.EXPECTED_FLARE_OUTCOMES)
    for path, (n, n_elig, n_fu, n_resp) in fx.EXPECTED_FLARE_OUTCOMES.items():
        row = out.loc[path]
        assert (row["n_courses"], row["n_eligible"], row["n_followup"], row["n_responders"]) == (
            n,
            n_elig,
            n_fu,
            n_resp,
        ), path
        assert row["responder_rate"] == pytest.approx(n_resp / n_fu)
        assert (row["ci_lower_95"], row["ci_upper_95"]) == pytest.approx(
            _wilson(n_resp, n_fu), abs=1e-9
        )

    quit_exp = s.quit_by_expectations.set_index("expectations")
    for exp, (n_flare, n_quit) in fx.EXPECTED_QUIT_BY_EXPECTATIONS.items():
        assert (quit_exp.loc[exp, "n_flare"], quit_exp.loc[exp, "n_quit_after_flare"]) == (
            n_flare,
            n_quit,
        ), exp
    # by expectations adds up to the overall outcome table
    summed = s.outcomes_by_expectations.groupby("path")[
        ["n_courses", "n_eligible", "n_followup", "n_responders"]
    ].sum()
    for path, expected in fx.EXPECTED_FLARE_OUTCOMES.items():
        assert tuple(summed.loc[path]) == expected


def test_flare_flow_links(timeline_con):
    flow = flare.flare_flow(Query(timeline_con, Scope(), Filters(), SETTINGS))
    assert list(flow.columns) == ["source", "target", "n_courses"]
    got = {(r.source, r.target): r.n_courses for r in flow.itertuples()}
    assert got == fx.EXPECTED_FLOW
    assert set(flow["source"]) | set(flow["target"]) <= set(flare.FLOW_NODES)
