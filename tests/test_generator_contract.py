"""The synthetic clinic keeps every data-contract rule and looks like a clinic.

Every rule of the data contract (../shared/docs/data-contract.md; its columns and allowed
values read from the project's copy, docs/data-contract.md), re-implemented here in pandas
on the shared 20,000-course clinic (ozone_testkit.synthetic_outcomes), independently of the
loader; then the clinic's shape (providers, indications and routes, sessions, baselines,
follow-up, secondary instruments) as sample_data/README.md describes it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from ozone_testkit.synthetic_outcomes import (
    BOOL_COLUMNS,
    CONTRACT_COLUMNS,
    NOT_WRITTEN,
    N,
    contract_columns,
    instrument_ranges,
)
from sample_data import TABLE_COLUMNS

# The allowed values as docs/data-contract.md states them (read there, not copied here).
COLUMNS = {stem: {c.name: c for c in columns} for stem, columns in contract_columns().items()}
ENUMS = {name: c.values for name, c in COLUMNS["courses"].items() if c.kind == "enum"}
EVENTS = COLUMNS["adverse_events"]["event"].values
SERIOUSNESS = COLUMNS["adverse_events"]["seriousness"].values
RANGES = instrument_ranges()
# The severity_grade rule ("`0`..`4`, `I`..`V`, or `mild`/`moderate`/`severe`/`end_stage`"),
# its ranges spelled out.
GRADES = {
    "kl": {"0", "1", "2", "3", "4"},
    "pfirrmann": {"I", "II", "III", "IV", "V"},
    "clinician": {"mild", "moderate", "severe", "end_stage"},
}


# --- The contract ------------------------------------------------------------------------
def test_columns_are_exactly_the_contract(clinic):
    assert list(clinic.tables) == list(CONTRACT_COLUMNS)
    for name, cols in CONTRACT_COLUMNS.items():
        assert list(clinic.tables[name].columns) == cols
        assert list(TABLE_COLUMNS[name]) == cols


def test_columns_agree_with_the_loader_contract():
    contract = pytest.importorskip("queries.data.contract")
    for spec in contract.FILES:
        written, left_out = CONTRACT_COLUMNS[spec.name], NOT_WRITTEN.get(spec.name, [])
        assert list(spec.column_names) == written + left_out
        assert not any(spec.column(c).required for c in left_out)


def test_no_identifier_like_columns_or_dates(clinic):
    identifier = re.compile(r"name|birth|dob|mrn|ssn|phone|email|address|zip|date")
    date_like = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
    for name, frame in clinic.tables.items():
        for col in frame.columns:
            assert not identifier.search(col), (name, col)
            if frame[col].dtype == object or str(frame[col].dtype).startswith("str"):
                assert not frame[col].astype(str).str.contains(date_like).any(), (name, col)
    courses = clinic.tables["courses"]
    assert courses["start_year"].between(2019, 2025).all()


def test_courses_rules(clinic):
    c = clinic.tables["courses"]
    assert c["course_id"].notna().all() and (c["course_id"].str.len() > 0).all()
    assert c["course_id"].is_unique
    required = [
        "course_id",
        "patient_id",
        "site_id",
        "provider_id",
        "start_year",
        "age_band",
        "sex",
        "indication",
        "route",
        "severity_scale",
        "planned_sessions",
        "rehab",
        "lifestyle_support",
        "expectations",
        "contraindication",
    ]
    for col in required:
        assert c[col].notna().all(), col
    for col, allowed in ENUMS.items():
        assert set(c[col]) <= allowed, col
    q = c["start_quarter"].dropna()
    assert q.between(1, 4).all()
    assert c["symptom_months"].dropna().between(0, 600).all()
    assert c["planned_sessions"].between(1, 20).all()
    assert (c["escalated_day"].dropna() >= 0).all()
    assert (c["course_price"].dropna() >= 0).all()
    for col in BOOL_COLUMNS:
        assert set(c[col].dropna().astype(bool)) <= {True, False}
    # severity_grade is a grade of its scale; empty when the scale is none
    graded = c.dropna(subset=["severity_grade"])
    for scale, grades in GRADES.items():
        assert set(graded.loc[graded["severity_scale"] == scale, "severity_grade"]) <= grades
    assert c.loc[c["severity_scale"] == "none", "severity_grade"].isna().all()
    # a patient keeps sex and age band across courses
    per_patient = c.groupby("patient_id")[["sex", "age_band"]].nunique()
    assert (per_patient <= 1).all().all()
    assert c["patient_id"].nunique() < len(c)  # some patients have several courses


def test_sessions_rules(clinic):
    c, s = clinic.tables["courses"], clinic.tables["sessions"]
    assert s["course_id"].isin(c["course_id"]).all()
    g = s.groupby("course_id")["session_number"]
    assert (g.min() == 1).all() and (g.max() == g.size()).all() and (g.nunique() == g.size()).all()
    ordered = s.sort_values(["course_id", "session_number"])
    assert (ordered.loc[ordered["session_number"] == 1, "day"] == 0).all()
    step = ordered.groupby("course_id")["day"].diff().dropna()
    assert (step > 0).all()
    assert s["concentration_ug_ml"].between(1, 80).all()
    assert s["volume_ml"].between(0.5, 300).all()
    planned = c.set_index("course_id")["planned_sessions"]
    assert (g.size() <= planned.reindex(g.size().index)).all()  # never beyond plan


def test_assessments_rules(clinic):
    c, a = clinic.tables["courses"], clinic.tables["assessments"]
    assert a["course_id"].isin(c["course_id"]).all()
    assert a["day"].between(-60, 730).all()
    assert set(a["instrument"]) <= set(RANGES)
    for instrument, (lo, hi) in RANGES.items():
        scores = a.loc[a["instrument"] == instrument, "score"]
        assert scores.between(lo, hi).all(), instrument
    nrs = a.loc[a["instrument"] == "nrs_pain", "score"]
    assert (nrs == nrs.round()).all()
    assert not a.duplicated(["course_id", "instrument", "day"]).any()
    # no measurement after escalation to surgery
    esc = c.set_index("course_id")["escalated_day"].astype("Float64").fillna(np.inf)
    assert (a["day"].to_numpy() <= esc.reindex(a["course_id"]).to_numpy(dtype=float)).all()


def test_adverse_events_rules(clinic):
    c, s, e = (clinic.tables[k] for k in ("courses", "sessions", "adverse_events"))
    assert e["course_id"].isin(c["course_id"]).all()
    assert (e["day"] >= 0).all()
    assert set(e["event"]) <= EVENTS
    assert set(e["seriousness"]) <= SERIOUSNESS
    numbered = e.dropna(subset=["session_number"])
    assert (numbered["session_number"] >= 1).all()
    keys = set(zip(s["course_id"], s["session_number"], strict=True))
    pairs = zip(numbered["course_id"], numbered["session_number"].astype(int), strict=True)
    assert all(k in keys for k in pairs)
    assert e["session_number"].isna().any()  # optional, sometimes not recorded


# --- Realism -----------------------------------------------------------------------------
def test_clinic_shape(clinic, outcomes):
    c, a = clinic.tables["courses"], clinic.tables["assessments"]
    assert c["provider_id"].nunique() == 9 and c["site_id"].nunique() == 3
    oa = c[c["indication"].isin(["knee_oa", "hip_oa"])]
    assert (oa["route"] == "intra_articular").mean() > 0.85
    assert (oa["severity_scale"].isin(["kl", "none"])).all()
    spine = c[c["indication"].isin(["lumbar_disc_herniation", "low_back_pain"])]
    assert (
        spine["route"]
        .isin(["paravertebral", "intradiscal", "intramuscular", "major_autohemotherapy"])
        .all()
    )
    assert spine["severity_scale"].isin(["pfirrmann", "none"]).all()
    assert c["planned_sessions"].between(3, 6).mean() > 0.7
    assert set(outcomes["adherence_class"]) == {
        "not_started",
        "one_and_done",
        "partial",
        "full_protocol",
    }
    assert 0.005 < (outcomes["adherence_class"] == "not_started").mean() < 0.03
    b = outcomes["baseline"]
    assert b.between(4, 9).mean() > 0.75 and (b < 3).mean() > 0.02 and b.isna().mean() > 0.01
    two = a[(a["instrument"] == "nrs_pain") & (a["day"] <= 0)].groupby("course_id").size()
    assert (two == 2).sum() > 0.02 * N
    # the 12-week visit usually falls inside the window (of the courses due by the extract)
    started = outcomes[(outcomes["completed"] > 0) & outcomes["due"]]
    assert started["has_followup"].mean() > 0.75
    # secondary instruments go with their indications
    ind = c.set_index("course_id")["indication"].reindex(a["course_id"]).to_numpy()
    assert set(ind[a["instrument"] == "odi"]) == {"lumbar_disc_herniation", "low_back_pain"}
    assert set(ind[a["instrument"].isin(["womac_pain", "koos_adl"])]) == {"knee_oa", "hip_oa"}
    assert (a.loc[a["instrument"] == "pgic", "day"] > 0).all()
