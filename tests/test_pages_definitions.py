"""Patterns' responder-definition switch and day-21 landmark view, and the Timeline's choice
between the p-chart and Laney's p′ chart (issue 9), drawn as the core computes them.

AppTest runs dashboard/app.py in-process (helpers of ozone_testkit/screens.py) on the
hand-built clinic of ozone_testkit/fixture_definitions.py, whose figures are worked out in
its comments, and on the seeded overdispersed clinic of ozone_testkit/trend_clinic.py. The
small-cell threshold is 1 (off) so that the hand-worked counts of a tiny clinic show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.charts import definitions as dc
from dashboard.charts import trends as tc
from dashboard.charts.rates import rate_chart_title
from ozone_testkit import fixture_definitions as fx
from ozone_testkit import trend_clinic
from ozone_testkit.screens import charts, open_app, texts, trace
from queries.data.loading import load_folder

CC, ITT = "Complete case", "ITT (missing = no response)"
LANDMARK_TITLE = "Responders by sessions reached by day 21 (landmark)"


def _as_analyst(monkeypatch, database: Path) -> Path:
    monkeypatch.setenv("OUTCOMES_DB", str(database))
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")
    return database


@pytest.fixture(scope="module")
def definitions_db(tmp_path_factory) -> Path:
    return fx.load(tmp_path_factory.mktemp("definitions_pages"))


@pytest.fixture()
def definitions_env(monkeypatch, definitions_db) -> Path:
    return _as_analyst(monkeypatch, definitions_db)


def test_landmark_view_stands_beside_adherence_with_the_hand_worked_rates(definitions_env):
    at = open_app("patterns")
    specs = charts(at)
    assert rate_chart_title("adherence") in specs
    spec = specs[LANDMARK_TITLE]
    levels = ["not started", "one and done", "partial", "full protocol"]
    # complete case: 0/1, 0/1, 1/1, 1/1; ITT: 0/1, 0/2, 1/1, 1/2 (fixture_definitions)
    assert trace(spec, CC) == dict(zip(levels, [0.0, 0.0, 1.0, 1.0], strict=True))
    assert trace(spec, ITT) == dict(zip(levels, [0.0, 0.0, 1.0, 0.5], strict=True))
    assert "IMMPACT" in spec["layout"]["title"]["subtitle"]["text"]
    caption = texts(at, "caption")
    assert "5 eligible courses no longer in care by then are left out." in caption
    assert "still descriptive" in caption


def test_the_switch_is_read_from_the_address_and_draws_odi(definitions_env):
    at = open_app("patterns", {"definition": "ODI"})
    assert at.button_group(key="definition").value == "ODI"
    specs = charts(at)
    provider = specs[dc.rate_title("provider", "odi")]
    # P_SPINE_A 3 with follow-up, P_SPINE_B 1: both under the 20 a point of one's own
    # needs (methods.md section 4), so listed without a rate
    assert trace(provider, CC) == {"P_SPINE_A": None, "P_SPINE_B": None}
    assert trace(provider, ITT) == {"P_SPINE_A": None, "P_SPINE_B": None}
    assert "ODI" in provider["layout"]["title"]["subtitle"]["text"]
    landmark = specs[LANDMARK_TITLE]
    assert trace(landmark, CC) == {"full protocol": 0.75}  # ODI 3 of 4 (all in care)
    caption = texts(at, "caption")
    assert "Responder (ODI (Ostelo 2008)): Oswestry Disability Index down ≥ 10 points" in caption
    assert "Responder rate (ODI) by rehab pairing" in caption
    assert len(at.main.download_button) == 7


def test_omeract_oarsi_rates(definitions_env):
    specs = charts(open_app("patterns", {"definition": "OMERACT-OARSI"}))
    severity = specs[dc.rate_title("severity", "omeract_oarsi")]
    assert trace(severity, CC) == {"moderate": pytest.approx(5 / 7)}  # every course KL 3
    assert trace(severity, ITT) == {"moderate": pytest.approx(5 / 8)}


def test_an_extract_without_the_instrument_gets_one_calm_sentence(definitions_env):
    spine = {"indication": ["lumbar_disc_herniation", "low_back_pain"]}
    at = open_app("patterns", {"definition": "OMERACT-OARSI", **spine})
    (info,) = [i.value for i in at.info]
    assert info.startswith("No course in view has a WOMAC or KOOS pain or function score")
    assert not at.get("plotly_chart")
    assert at.button_group(key="definition").value == "OMERACT-OARSI"  # the way back is there


@pytest.fixture(scope="module")
def overdispersed_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("overdispersed_pages")
    folder = trend_clinic.write(tmp / "extract", trend_clinic.overdispersed_responders())
    load_folder(folder, tmp / "trend.duckdb")
    return tmp / "trend.duckdb"


def test_timeline_says_it_draws_the_laney_chart_and_why(monkeypatch, overdispersed_db):
    _as_analyst(monkeypatch, overdispersed_db)
    at = open_app("timeline")
    titles = list(charts(at))
    assert "Responder rate by start quarter (Laney p′ chart)" in titles
    spec = charts(at)["Responder rate by start quarter (Laney p′ chart)"]
    assert "σ_z = 3.98" in spec["layout"]["title"]["subtitle"]["text"]
    assert any(t.get("name") == "Limits (3σ·σ_z)" for t in spec["data"])
    caption = texts(at, "caption")
    assert "Laney p′ chart: the 12 periods vary 3.98 times as much as binomial" in caption
    # completeness is 100 % in every quarter: no binomial spread, so the p-chart, and why
    assert "Follow-up completeness by start quarter (p-chart)" in titles
    assert "overall rate of 0 % or 100 %" in caption
    assert tc.CHART_NAMES["p"] == "p-chart"
