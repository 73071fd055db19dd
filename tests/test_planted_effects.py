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
from queries.analytics.query import Query
from queries.core.settings import Settings
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
    return analytics.responder_rates(Query(con), by).set_index("group")["responder_rate"]


@pytest.mark.parametrize("by", ["severity", "adherence", "rehab", "provider"])
def test_duckdb_marts_equal_the_pandas_reference(loaded, by):
    con, clinic = loaded
    # every count against the reference: the 20-course rule (methods.md section 4), which
    # withholds a small provider's responders, is off here (tests/test_provider_points.py)
    every_count = Settings(min_provider_courses=1)
    ours = analytics.responder_rates(Query(con, settings=every_count), by).set_index("group")
    ref = rates_by(clinic.tables, by)
    assert sorted(ours.index) == sorted(ref.index)
    for group, row in ref.iterrows():
        assert tuple(int(v) for v in ours.loc[group, list(ref.columns)]) == tuple(row), group


@pytest.mark.parametrize(
    ("by", "high", "middle", "low"),
    [
        ("severity", "moderate", "severe", "end_stage"),
        ("adherence", "full_protocol", "partial", "one_and_done"),
        ("rehab", "supervised_pt", "home_program", "none"),
    ],
)
def test_gradient_recovered(loaded, by, high, middle, low):
    """The rates fall in the planted order, and the gap between the ends is the planted gap
    (PlantedTruth.response_prob_by_<by>) within GAP_TOLERANCE."""
    con, clinic = loaded
    r, p = rates(con, by), getattr(clinic.truth, f"response_prob_by_{by}")
    assert r[high] > r[middle] > r[low]
    assert abs((r[high] - r[low]) - (p[high] - p[low])) < GAP_TOLERANCE


def test_missing_followup_is_commoner_where_response_is_rarer(loaded):
    """Planted: 25 % of non-responders vs 8 % of responders miss the 12-week visit, so the ITT
    rate (missing = non-response) sits below the complete-case rate everywhere."""
    con, _ = loaded
    frame = analytics.responder_rates(Query(con), "severity")
    assert (frame["itt_rate"] < frame["responder_rate"]).all()
    ov = analytics.overview(Query(con))
    assert 0.7 < ov.followup.rate < 0.9
