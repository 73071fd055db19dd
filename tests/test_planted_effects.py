"""The dashboard's own analytics (DuckDB marts, analytics.responder_rates) recover the
synthetic clinic's planted gradients, and agree exactly with an independent pandas
implementation (ozone_testkit.reference_outcomes) on 20,000 courses.

Sizes: the planted responder probabilities are read from the generator's PlantedTruth; the
tolerance on a gap between two crude rates is GAP_TOLERANCE of
tests/support/ozone_testkit/synthetic_outcomes.py (0.10, justified there: sampling SD and the
measured crude-minus-planted difference).
"""

import pytest

from ozone_testkit.reference_outcomes import rates_by
from ozone_testkit.synthetic_outcomes import GAP_TOLERANCE
from queries.analytics import rates as analytics
from queries.data import db
from queries.data.loading import load_folder
from sample_data.generator import generate_clinic, write_clinic


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("planted")
    clinic = generate_clinic(20_000, 20261125)
    write_clinic(clinic, tmp / "extract")
    load_folder(tmp / "extract", tmp / "clinic.duckdb")
    con = db.connect(tmp / "clinic.duckdb")
    yield con, clinic
    con.close()


def rates(con, by):
    return analytics.responder_rates(con, by).set_index("group")["responder_rate"]


@pytest.mark.parametrize("by", ["severity", "adherence", "rehab", "provider"])
def test_duckdb_marts_equal_the_pandas_reference(loaded, by):
    con, clinic = loaded
    ours = analytics.responder_rates(con, by).set_index("group")
    ref = rates_by(clinic.tables, by)
    assert sorted(ours.index) == sorted(ref.index)
    for group, row in ref.iterrows():
        assert tuple(int(v) for v in ours.loc[group, list(ref.columns)]) == tuple(row), group


def test_severity_gradient_recovered(loaded):
    con, clinic = loaded
    r, p = rates(con, "severity"), clinic.truth.response_prob_by_severity
    assert r["moderate"] > r["severe"] > r["end_stage"]
    assert abs((r["moderate"] - r["end_stage"]) - (p["moderate"] - p["end_stage"])) < GAP_TOLERANCE


def test_adherence_gradient_recovered(loaded):
    con, clinic = loaded
    r, p = rates(con, "adherence"), clinic.truth.response_prob_by_adherence
    assert r["full_protocol"] > r["partial"] > r["one_and_done"]
    assert (
        abs((r["full_protocol"] - r["one_and_done"]) - (p["full_protocol"] - p["one_and_done"]))
        < GAP_TOLERANCE
    )


def test_rehab_gradient_recovered(loaded):
    con, clinic = loaded
    r, p = rates(con, "rehab"), clinic.truth.response_prob_by_rehab
    assert r["supervised_pt"] > r["home_program"] > r["none"]
    assert abs((r["supervised_pt"] - r["none"]) - (p["supervised_pt"] - p["none"])) < GAP_TOLERANCE


def test_missing_followup_is_commoner_where_response_is_rarer(loaded):
    """Planted: 25 % of non-responders vs 8 % of responders miss the 12-week visit, so the ITT
    rate (missing = non-response) sits below the complete-case rate everywhere."""
    con, _ = loaded
    frame = analytics.responder_rates(con, "severity")
    assert (frame["itt_rate"] < frame["responder_rate"]).all()
    ov = analytics.overview(con)
    assert 0.7 < ov.followup.rate < 0.9
