"""The synthetic clinic's extract date (sample_data/extract.py; methods.md section 1 "Not yet
due"; issue 9 point 2): ``observed_days`` agrees with the start quarters and the extract date,
nothing after the extract is in the files, the count sample_data/README.md states, and the
quarterly trends of the loaded clinic no longer dip at the end.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ozone_testkit import ROOT
from queries.analytics import rates, trends
from queries.analytics.query import Query
from queries.data import db
from sample_data import generate_clinic
from sample_data.parameters import case_mix

README = ROOT / "sample_data" / "README.md"


def test_observed_days_is_the_extract_date_minus_a_day_of_the_start_quarter(clinic):
    c = clinic.tables["courses"]
    extract = np.datetime64(case_mix.EXTRACT_DATE, "D")
    first_session = extract - c["observed_days"].to_numpy().astype("timedelta64[D]")
    year = first_session.astype("datetime64[Y]").astype(int) + 1970
    month = first_session.astype("datetime64[M]").astype(int) % 12 + 1
    assert (year == c["start_year"].to_numpy()).all()
    known = c["start_quarter"].notna().to_numpy()
    written = c["start_quarter"].to_numpy(dtype=float, na_value=np.nan)[known]
    assert ((month[known] - 1) // 3 + 1 == written).all()
    # shortly after the last start: the latest course started 14 days before the extract
    # (31 December of the last start year); every quarter is used, early days and late ones
    assert c["observed_days"].min() == 14
    assert set(pd.Series(month).unique()) == set(range(1, 13))


def test_nothing_after_the_extract_is_in_the_files(clinic):
    t = clinic.tables
    observed = t["courses"].set_index("course_id")["observed_days"]
    for name in ("sessions", "assessments", "adverse_events"):
        frame = t[name]
        assert (frame["day"].to_numpy() <= observed.reindex(frame["course_id"]).to_numpy()).all()
    escalated = t["courses"]["escalated_day"]
    assert (escalated.dropna() <= t["courses"].loc[escalated.notna(), "observed_days"]).all()


def test_the_readme_states_the_default_clinics_extract(clinic):
    """sample_data/README.md: the extract date and the courses not yet due at 12 weeks for
    the default 6,000-course clinic (observed_days < 112, counted here from the files)."""
    default = generate_clinic(6000)
    observed = default.tables["courses"]["observed_days"]
    n_not_due = int((observed < 112).sum())
    assert n_not_due == 330  # the figure the README gives
    text = README.read_text(encoding="utf-8")
    assert case_mix.EXTRACT_DATE in text
    assert re.search(rf"\*\*{n_not_due} courses\*\* .*not yet due", text.replace("\n", " "))


def test_the_loaded_clinic_counts_them_and_its_latest_quarters_do_not_dip(synthetic_clinic_db):
    """The trends leave the not-yet-due courses out of every denominator: the planted clinic
    has no trend and no shift over the quarters ("Time" in sample_data/README.md), so the
    follow-up completeness chart has no signal. (Counted as due, the 2025-Q4 courses drop
    that chart's last point to about 30 % of the usual 80 %: measured at 6,000 courses.)"""
    con = db.connect(synthetic_clinic_db)
    try:
        q = Query(con)
        n_not_due = rates.n_not_yet_due(q)
        chart = trends.quarterly_pchart(q, measure="followup")
        (stored,) = con.execute("select count(*) from courses where observed_days < 112").fetchone()
    finally:
        con.close()
    assert n_not_due == stored > 50
    pts = chart.points.set_index("period")
    assert pts.loc["2025-Q4", "n"] == 0  # every 2025-Q4 course started within 112 days
    assert 0 < pts.loc["2025-Q3", "n_not_yet_due"] < pts.loc["2025-Q4", "n_not_yet_due"]
    assert not chart.has_signal
