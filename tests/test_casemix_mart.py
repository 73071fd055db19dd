"""The case-mix model of the unfiltered clinic, fitted once per load (queries/data/
casemix_mart.py; issue 10): what the pages read back is what the page-time fit returns.

Known answers: on the hand-built clinic of ozone_testkit/fixture_volumes.py every course has
the same case mix, so the model is the intercept alone and every course's p is the clinic
rate 183/337 (as tests/test_provider_points.py uses it). Everywhere else the reference is the
page-time fit (``fitted_casemix``, the function a filtered view runs) on the same database,
and for the order the pandas sort the page used before the SQL ranked the courses.
"""

from __future__ import annotations

import shutil
from contextlib import closing

import duckdb
import numpy as np
import pandas as pd
import pytest

from ozone_testkit import fixture_volumes as fv
from queries.analytics import casemix_courses as cc
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.scope import Filters
from queries.core.settings import Settings
from queries.data import casemix_mart, db
from queries.data.loading import load_folder
from queries.stats import casemix
from queries.stats.casemix import covariate_sentence
from queries.stats.design import design_matrix, design_spec, identifiable_design
from queries.stats.logistic import CodedDesign

WINDOW = Settings().primary_window
P0 = fv.N_RESPONDERS / fv.N_COURSES


@pytest.fixture(scope="module")
def volumes_db(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("casemix_mart")
    load_folder(fv.write(tmp / "extract"), tmp / "v.duckdb")
    return str(tmp / "v.duckdb")


def pandas_start_order(rows: pd.DataFrame) -> pd.DataFrame:
    """The pandas sort the page ran before (year, quarter, observed_days falling, course_id;
    missing values last)."""
    keys = pd.DataFrame(
        {
            "y": pd.to_numeric(rows["start_year"]).astype(float).fillna(np.inf),
            "q": pd.to_numeric(rows["start_quarter"]).astype(float).fillna(np.inf),
            "d": pd.to_numeric(rows["observed_days"]).astype(float).fillna(-np.inf),
            "c": rows["course_id"].astype(str),
        }
    )
    order = keys.sort_values(["y", "q", "d", "c"], ascending=[True, True, False, True]).index
    return rows.loc[order].reset_index(drop=True)


def assert_same(stored, fitted) -> None:
    """The same rows (p to 1e-9) and the same model as the pages show it."""
    (rows_s, model_s), (rows_f, model_f) = stored, fitted
    pd.testing.assert_frame_equal(
        rows_s.drop(columns="p_response"), rows_f.drop(columns="p_response")
    )
    np.testing.assert_allclose(rows_s["p_response"], rows_f["p_response"], rtol=0, atol=1e-9)
    assert list(model_s.params.index) == list(model_f.params.index)
    np.testing.assert_allclose(model_s.params, model_f.params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(model_s.result.bse, model_f.result.bse, rtol=1e-9)
    for name in ("n", "n_events", "covariates", "covariates_used", "dropped_terms", "spec"):
        assert getattr(model_s, name) == getattr(model_f, name), name
    assert dict(model_s.covariates_dropped) == dict(model_f.covariates_dropped)
    assert model_s.c_statistic == pytest.approx(model_f.c_statistic, abs=1e-12)
    pd.testing.assert_frame_equal(
        model_s.calibration, model_f.calibration, check_exact=False, rtol=0, atol=1e-9
    )
    assert covariate_sentence(model_s) == covariate_sentence(model_f)


def test_the_load_stores_the_intercept_model_of_the_volumes_clinic(volumes_db, monkeypatch):
    with closing(db.connect(volumes_db)) as con:
        stored = casemix_mart.stored_casemix(con, WINDOW)
        assert stored is not None
        rows, model = stored
        assert len(rows) == fv.N_COURSES == model.n and model.n_events == fv.N_RESPONDERS
        np.testing.assert_allclose(rows["p_response"], P0, rtol=0, atol=1e-12)
        assert model.covariates_used == () and list(model.params.index) == ["const"]
        assert model.params["const"] == pytest.approx(np.log(P0 / (1 - P0)), abs=1e-12)
        assert_same(stored, cc.fitted_casemix(Query(con)))

        def no_fit(rows):  # with no filter the page reads what the load stored
            raise AssertionError("fitted at page time")

        monkeypatch.setattr(cc, "fit_courses", no_fit)
        read = cc.casemix_courses(Query(con))
        pd.testing.assert_frame_equal(read.rows, rows)


def test_the_synthetic_clinic_reads_back_as_the_page_fits_it(synthetic_clinic_db):
    with closing(db.connect(synthetic_clinic_db)) as con:
        stored = casemix_mart.stored_casemix(con, WINDOW)
        assert stored is not None
        rows, model = stored
        assert_same(stored, cc.fitted_casemix(Query(con)))
        pd.testing.assert_frame_equal(rows, pandas_start_order(rows))  # already in start order
        assert len(model.covariates_used) >= 5
        # the stored coefficients and design give back every stored p
        np.testing.assert_allclose(model.predict(rows), rows["p_response"], rtol=0, atol=1e-12)


def test_a_filtered_view_is_fitted_at_page_time(synthetic_clinic_db, monkeypatch):
    knee = Filters(indications=("knee_oa",))
    with closing(db.connect(synthetic_clinic_db)) as con:
        everyone = cc.casemix_courses(Query(con))
        expected = cc.fitted_casemix(Query(con, filters=knee))

        def not_stored(con, window):
            raise AssertionError("a filtered view read the unfiltered model")

        monkeypatch.setattr(cc, "stored_casemix", not_stored)
        got = cc.casemix_courses(Query(con, filters=knee))
    assert_same((got.rows, got.model), expected)
    assert set(got.rows["indication"]) == {"knee_oa"}
    assert got.model.n < everyone.model.n


def test_another_window_or_a_file_without_the_mart_is_fitted_at_page_time(volumes_db, tmp_path):
    copy = tmp_path / "old.duckdb"
    shutil.copy(volumes_db, copy)
    with closing(db.connect(volumes_db)) as con:
        assert casemix_mart.stored_casemix(con, "26w") is None
        expected = cc.fitted_casemix(Query(con))
    with closing(duckdb.connect(copy)) as con:
        for table in ("course_casemix", "casemix_model"):
            con.execute(f"drop table {table}")
    with closing(db.connect(copy)) as con:
        assert casemix_mart.stored_casemix(con, WINDOW) is None
        got = cc.casemix_courses(Query(con))
    assert_same((got.rows, got.model), expected)


def _refit(con, settings: Settings = Settings()) -> None:
    for table in ("course_casemix", "casemix_model"):
        con.execute(f"delete from {table}")
    casemix_mart.build_casemix_mart(con, settings)


def test_a_clinic_with_one_outcome_stores_the_pages_sentence(volumes_db, tmp_path):
    copy = tmp_path / "all_responders.duckdb"
    shutil.copy(volumes_db, copy)
    with closing(duckdb.connect(copy)) as con:  # writable: the load's step again
        con.execute(  # every eligible course with a follow-up a responder (the view's rule)
            "update outcome_windows set min_drop_points = -1e9, min_drop_fraction = -1e9"
        )
        _refit(con)
        status = con.execute("select status, message from casemix_model").fetchall()
        assert status == [(casemix_mart.TOO_FEW, casemix_mart.NO_COMPARISON)]
        assert con.execute("select count(*) from course_casemix").fetchone() == (0,)
        with pytest.raises(InsufficientData, match=casemix_mart.NO_COMPARISON):
            cc.casemix_courses(Query(con))
        with pytest.raises(InsufficientData, match=casemix_mart.NO_COMPARISON):
            cc.fitted_casemix(Query(con))


def test_a_fit_that_fails_at_load_stores_nothing_and_the_page_fits(
    volumes_db, tmp_path, monkeypatch
):
    copy = tmp_path / "failed.duckdb"
    shutil.copy(volumes_db, copy)

    def fails(rows):
        raise np.linalg.LinAlgError("singular matrix")

    with closing(duckdb.connect(copy)) as con:
        with monkeypatch.context() as patched:
            patched.setattr(casemix_mart, "fit_rows", fails)
            _refit(con)  # no exception: the load goes on
        assert con.execute("select count(*) from casemix_model").fetchone() == (0,)
        assert casemix_mart.stored_casemix(con, WINDOW) is None
        got = cc.casemix_courses(Query(con))
    np.testing.assert_allclose(got.rows["p_response"], P0, rtol=0, atol=1e-12)


def test_the_coded_design_sums_what_the_matrix_multiplies():
    """X'WX, X'r and Xb per pattern of dummies (queries/stats/logistic.py CodedDesign, the
    load's fit) equal the products of the design matrix, on planted courses with a missing
    indicator and an aliased dummy left out (route given by indication)."""
    rng = np.random.default_rng(3)
    n = 3_000
    indication = rng.choice(["knee_oa", "hip_oa", "shoulder"], n)
    frame = pd.DataFrame(
        {
            "severity_class": rng.choice(["none", "mild", "severe"], n),
            "indication": indication,
            "route": np.where(indication == "shoulder", "periarticular", "intra_articular"),
            "baseline_score": rng.integers(3, 11, n).astype(float),
            "symptom_months": np.where(rng.random(n) < 0.3, np.nan, rng.integers(1, 99, n)),
        }
    )
    spec = design_spec(frame, tuple(frame.columns))
    x = design_matrix(frame, spec)
    spec, dropped = identifiable_design(spec, x)
    assert dropped == ["route[periarticular]"]
    x = x[list(spec.columns)]
    coded = CodedDesign.of(x, casemix.dummy_blocks(spec))
    values = x.to_numpy()
    w, r, beta = rng.random(n), rng.normal(size=n), rng.normal(size=x.shape[1])
    np.testing.assert_allclose(coded.information(w), (values * w[:, None]).T @ values, atol=1e-9)
    np.testing.assert_allclose(coded.cross_product(), values.T @ values, atol=1e-9)
    np.testing.assert_allclose(coded.score(r), values.T @ r, atol=1e-9)
    np.testing.assert_allclose(coded.eta(beta), values @ beta, atol=1e-12)
    every = coded.rows(7)
    np.testing.assert_allclose(every.eta(beta), values[::7] @ beta, atol=1e-12)


def test_mid_ranks_are_scipys_average_ranks():
    """The C-statistic's ranks (queries/stats/casemix.py mid_ranks, without scipy.stats at
    load): the same numbers as scipy's average ranks, ties (most values here) included."""
    from scipy.stats import rankdata

    values = np.random.default_rng(5).integers(0, 40, 5_000) / 7.0
    np.testing.assert_array_equal(casemix.mid_ranks(values), rankdata(values, method="average"))
    assert casemix.mid_ranks(np.array([0.3, 0.1, 0.3, 0.2])).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_patterns_are_numbered_as_numpys_unique_numbers_them():
    """CodedDesign's patterns by counting (queries/stats/logistic.py _unique_codes): the
    values and positions of np.unique(..., return_inverse=True), for few codes (counted),
    codes past the counting bound (sorted), one code and none."""
    from queries.stats.logistic import _unique_codes

    rng = np.random.default_rng(12)
    for key in (
        rng.integers(0, 3_000, 50_000),
        rng.integers(0, 1 << 40, 1_000),
        np.full(7, 5, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
    ):
        found, inverse = _unique_codes(key)
        want_found, want_inverse = np.unique(key, return_inverse=True)
        np.testing.assert_array_equal(found, want_found)
        np.testing.assert_array_equal(inverse, want_inverse)
        assert found.dtype == want_found.dtype


def test_one_sort_shared_gives_the_same_c_statistic_and_calibration():
    """The fit sorts the predicted risks once for the C-statistic and the calibration table
    (queries/stats/casemix.py fit_casemix_predicting): the same numbers as each sorting."""
    rng = np.random.default_rng(8)
    p = rng.integers(1, 60, 4_000) / 61.0  # many ties
    y = (rng.random(4_000) < p).astype(float)
    order = np.argsort(p, kind="stable")
    assert casemix.c_statistic(y, p, order) == casemix.c_statistic(y, p)
    pd.testing.assert_frame_equal(
        casemix.calibration_table(y, p, order=order), casemix.calibration_table(y, p)
    )
