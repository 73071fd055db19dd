"""The planted timeline patterns of a synthetic clinic are recovered (issue 4): flare and
quitting, durability by rehab, escalation by severity, safety and screening, quarterly
p-charts. Expected values: the planted truth ``clinic.truth`` of sample_data/generator.py
(sample_data/README.md), never hard-coded.
"""

from __future__ import annotations

import pytest

from queries.analytics import durability, flare, safety, trends
from queries.analytics.query import Query
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.data import db
from queries.data.loading import load_folder
from queries.stats.survival import survival_at

SETTINGS = Settings()


SYNTHETIC_COURSES = 12000
SYNTHETIC_SEED = 20261125


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from sample_data.generator import generate_clinic, write_clinic

    tmp = tmp_path_factory.mktemp("timeline_synthetic")
    clinic = generate_clinic(SYNTHETIC_COURSES, SYNTHETIC_SEED)
    write_clinic(clinic, tmp / "extract")
    load_folder(tmp / "extract", tmp / "synthetic.duckdb")
    connection = db.connect(tmp / "synthetic.duckdb")
    yield clinic, connection
    connection.close()


def test_synthetic_flare_then_quit_responds_less(synthetic):
    clinic, connection = synthetic
    s = flare.flare_summary(Query(connection, Scope(), Filters(), SETTINGS))
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
    result = durability.durability_km(Query(connection, Scope(), Filters(), SETTINGS), by="rehab")
    at = survival_at(result.km, [270]).set_index("group")
    assert at.loc[most, "ci_upper_95"] < at.loc[least, "ci_lower_95"]
    assert (result.at_risk["time"].unique() == [0, 90, 180, 270, 360]).all()


def test_synthetic_escalation_by_severity(synthetic):
    clinic, connection = synthetic
    planted = clinic.truth.escalation_prob_by_severity
    assert planted["end_stage"] > planted["moderate"]
    got = durability.escalation_by_severity(Query(connection, Scope(), Filters(), SETTINGS))
    got = got.set_index("group")
    assert got.loc["end_stage", "ci_lower_95"] > got.loc["moderate", "ci_upper_95"]


def test_synthetic_safety_and_screening(synthetic):
    clinic, connection = synthetic
    clinic_rates = safety.adverse_event_rates(
        Query(connection, Scope(), Filters(), SETTINGS), by="all"
    ).iloc[0]
    n_serious = int((clinic.tables["adverse_events"]["seriousness"] == "serious").sum())
    assert clinic_rates["n_serious_events"] == n_serious > 0
    assert clinic_rates["n_sessions"] == len(clinic.tables["sessions"])
    # serious events are rare: under 1 per 1,000 sessions, as planted
    assert clinic.truth.serious_event_rate_per_session < 1 / 1000
    assert clinic_rates["serious_events_per_100_sessions"] / 100 < 1 / 1000
    assert len(safety.serious_events(Query(connection, Scope(), Filters(), SETTINGS))) == n_serious
    screening = safety.screening_summary(Query(connection, Scope(), Filters(), SETTINGS))
    assert screening.not_screened.successes > 0
    assert (
        screening.not_screened.lower
        <= clinic.truth.not_screened_share
        <= screening.not_screened.upper
    )
    listed = safety.screening_exceptions(Query(connection, Scope(), Filters(), SETTINGS))
    assert (listed["contraindication"] == "not_screened").sum() == screening.not_screened.successes


def test_synthetic_quarterly_pchart(synthetic):
    clinic, connection = synthetic
    years = clinic.tables["courses"]["start_year"]
    chart = trends.quarterly_pchart(Query(connection, Scope(), Filters(), SETTINGS))
    assert chart.period_kind == "quarter"
    assert len(chart.points) == 4 * (years.max() - years.min() + 1)
    assert chart.points["period"].iloc[0] == f"{years.min()}-Q1"
