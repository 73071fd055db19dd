"""The load's case-mix step on clinics that cannot be fitted, or barely (queries/data/
casemix_mart.py; issue 10): the load succeeds, the pages say their calm sentence as before.

The extracts are the fixture clinic (ozone_testkit/fixture_clinic.py) transformed several ways
at once by the transformations of ozone_testkit/awkward_extracts.py: every optional column
empty and one provider, with and without follow-up. Known answers: with no follow-up there is
nothing to compare (the page's sentence, stored by the load); with follow-up, the model the
load stored is the one the page fits (empty optional columns dropped, and said so).
"""

from __future__ import annotations

import csv
from contextlib import closing
from pathlib import Path

import pytest

from ozone_testkit import awkward_extracts, fixture_clinic
from ozone_testkit.screens import open_app, texts
from queries.analytics import casemix_courses as cc
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.settings import Settings
from queries.data import casemix_mart, db
from queries.data.contract import FILES
from queries.data.loading import load_folder
from queries.stats.casemix import covariate_sentence
from queries.stats.design import NOT_RECORDED

NOT_COMPARABLE = "Not enough courses with follow-up to compare providers."
EXTRACTS = {  # name -> the awkward transformations applied, in order
    "empty_one_provider": ("every_optional_column_empty", "one_provider"),
    "empty_one_provider_no_followup": (
        "every_optional_column_empty",
        "one_provider",
        "no_followup_yet",
    ),
}


def write(names: tuple[str, ...], folder: Path) -> Path:
    data = fixture_clinic.rows()
    for name in names:
        change, _ = awkward_extracts.EXTRACTS[name]
        data = change(data)
    folder.mkdir(parents=True)
    for spec in FILES:
        with (folder / f"{spec.name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=list(spec.column_names), extrasaction="ignore", lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(data[spec.name])
    return folder


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("casemix_mart_awkward")
    paths = {}
    for name, names in EXTRACTS.items():
        paths[name] = tmp / f"{name}.duckdb"
        report = load_folder(write(names, tmp / name), paths[name])
        assert report.status == "loaded"
    return paths


def test_no_follow_up_stores_the_sentence_and_every_view_says_it(databases):
    with closing(db.connect(databases["empty_one_provider_no_followup"])) as con:
        found = con.execute("select window_name, status, message from casemix_model").fetchall()
        assert found == [(Settings().primary_window, casemix_mart.TOO_FEW, NOT_COMPARABLE)]
        with pytest.raises(InsufficientData, match=NOT_COMPARABLE):
            cc.casemix_courses(Query(con))
        with pytest.raises(InsufficientData, match=NOT_COMPARABLE):
            cc.fitted_casemix(Query(con))


def test_empty_optional_columns_and_one_provider_store_the_page_fit(databases):
    with closing(db.connect(databases["empty_one_provider"])) as con:
        stored = casemix_mart.stored_casemix(con, Settings().primary_window)
        assert stored is not None
        rows, model = stored
        fitted_rows, fitted = cc.fitted_casemix(Query(con))
    assert set(rows["provider_id"]) == {"P_A"}
    assert len(rows) == fixture_clinic.EXPECTED_TOTAL["n_followup"] == model.n
    assert model.covariates_dropped["symptom_months"] == NOT_RECORDED
    assert covariate_sentence(model) == covariate_sentence(fitted)
    assert rows["course_id"].tolist() == fitted_rows["course_id"].tolist()
    assert rows["p_response"].to_numpy() == pytest.approx(fitted_rows["p_response"], abs=1e-9)
    # with an intercept, the fitted probabilities add up to the responders (score equation)
    assert rows["p_response"].sum() == pytest.approx(model.n_events, abs=1e-6)


@pytest.mark.parametrize("page", ["providers", "my_practice"])
def test_the_pages_say_providers_cannot_be_compared(databases, monkeypatch, page):
    monkeypatch.setenv("OUTCOMES_DB", str(databases["empty_one_provider_no_followup"]))
    monkeypatch.delenv("OUTCOMES_MIN_CELL", raising=False)
    at = open_app(page)
    assert NOT_COMPARABLE in texts(at, "info")
    assert not at.error
