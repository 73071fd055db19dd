"""The case-mix model of the whole clinic without filters, fitted once per load (issue 10:
"the case-mix model's coefficients and each course's p ... computed at load time").

The Providers and My practice pages and the CUSUM (methods.md section 4) compare providers
with a logistic model fitted on the whole clinic's completers, the viewer's filters applied.
With no filter (the default view, and the one My practice and the CUSUM use most) that model
is the same for every viewer, so the load fits it (:func:`build_casemix_mart`) and stores
each completer's ``p_response`` and rank in start order (table ``course_casemix``) and the
model as the pages show it (table ``casemix_model``: coefficients, standard errors, design,
C-statistic, calibration, the covariates used and dropped). A page reads both back
(:func:`stored_casemix`) instead of fitting; a filtered view still fits at page time, with
the same function (:func:`fit_rows`, on the same rows in the same order), so a stored model
is the one the page would fit. At load only the covariates, the outcome and the start keys
reach Python; the text columns are written once, in DuckDB (``sql/marts/course_casemix.sql``).

A clinic that cannot be fitted (no completers, or one outcome only) is stored as such with
the page's calm sentence; a fit that fails for any other reason stores nothing and leaves
the page to fit as before. Either way the load succeeds.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope, scope_struct
from queries.core.settings import Settings
from queries.data import db
from queries.stats.casemix import CasemixModel, LogisticFit, fit_casemix_predicting
from queries.stats.design import DesignSpec

CATEGORICAL_COVARIATES = ("severity_class", "age_band", "sex", "indication", "route")
NO_COMPARISON = "Not enough courses with follow-up to compare providers."
FITTED, TOO_FEW = "fitted", "too_few"  # casemix_model.status


def _as_returned(rows: pd.DataFrame) -> pd.DataFrame:
    """The outcome as bool and each categorical covariate as a categorical of the levels
    present, sorted (what ``astype("category")`` of their text gives): the same frame
    whether the rows were fitted now or read back from the load's mart."""
    rows["is_responder"] = rows["is_responder"].astype(bool)
    for column in CATEGORICAL_COVARIATES:
        values = rows[column]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("category")
        values = values.cat.remove_unused_categories().cat.as_unordered()  # an enum: ordered
        rows[column] = values.cat.reorder_categories(sorted(values.cat.categories))
    return rows


def start_order(rows: pd.DataFrame) -> np.ndarray:
    """The positions of ``rows`` (in course_id order) in start order: year, quarter (missing
    last), observed_days from the most (missing last), then course_id, which is their order
    (queries/analytics/casemix_courses.py START_ORDER). One sort of numbers (``np.lexsort``,
    stable): no text compared, no window in SQL."""
    year, quarter, days = (
        pd.to_numeric(rows[column]).to_numpy(dtype=float, na_value=np.nan)
        for column in ("start_year", "start_quarter", "observed_days")
    )
    return np.lexsort((_last(-days), _last(quarter), _last(year)))  # stable: course_id last


def _last(values: np.ndarray) -> np.ndarray:
    """Sort keys with a missing value after every other."""
    return np.where(np.isnan(values), np.inf, values)


def fit_rows(rows: pd.DataFrame) -> tuple[CasemixModel, np.ndarray]:
    """The case-mix model of completer ``rows`` (:func:`queries.stats.casemix.
    fit_casemix_predicting`) and each row's probability, in the rows' order.

    Raises :class:`InsufficientData` when there are no completers to compare, or all of
    them had the same outcome (no model can be fitted).
    """
    rows["is_responder"] = rows["is_responder"].astype(bool)
    if rows.empty or rows["is_responder"].nunique() < 2:
        raise InsufficientData(NO_COMPARISON)
    return fit_casemix_predicting(rows)


def fit_courses(rows: pd.DataFrame) -> tuple[pd.DataFrame, CasemixModel]:
    """The rows of ``sql/analytics/casemix_courses.sql`` (course_id order) with the case-mix
    model's ``p_response`` (:func:`fit_rows`), in start order (:func:`start_order`), and
    the model. Raises :class:`InsufficientData` as :func:`fit_rows` does."""
    rows = _as_returned(rows)
    model, rows["p_response"] = fit_rows(rows)
    return rows.take(start_order(rows)).reset_index(drop=True), model


# --- the model as stored --------------------------------------------------------------------


def _frame_record(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": list(frame.columns),
        "dtypes": [str(t) for t in frame.dtypes],
        "values": [frame[c].tolist() for c in frame.columns],
    }


def _frame_of(record: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(v, dtype=t)
            for c, t, v in zip(record["columns"], record["dtypes"], record["values"], strict=True)
        }
    )


def model_record(model: CasemixModel) -> str:
    """The model as JSON text (floats written exactly: Python's shortest round-trip form).

    The coefficients and standard errors are kept, not the statsmodels result object (a
    clinic under :data:`queries.stats.casemix.NEWTON_FROM` courses is fitted by IRLS): read
    back, the result is a :class:`queries.stats.casemix.LogisticFit`."""
    history = getattr(model.result, "fit_history", None) or {}
    iterations = getattr(model.result, "iterations", history.get("iteration", 0))
    spec = model.spec
    record = {
        "params": model.params.tolist(),
        "bse": list(model.result.bse),
        "terms": list(model.params.index),
        "iterations": int(iterations),
        "numeric": list(spec.numeric),
        "categorical": [[name, list(levels)] for name, levels in spec.categorical.items()],
        "fill_values": [[name, value] for name, value in spec.fill_values.items()],
        "columns": list(spec.columns),
        "outcome": model.outcome,
        "covariates": list(model.covariates),
        "covariates_used": list(model.covariates_used),
        "covariates_dropped": [[name, why] for name, why in model.covariates_dropped.items()],
        "n": model.n,
        "n_events": model.n_events,
        "dropped_terms": list(model.dropped_terms),
        "c_statistic": model.c_statistic,
        "calibration": _frame_record(model.calibration),
    }
    return json.dumps(record)


def model_of(text: str) -> CasemixModel:
    """The model of :func:`model_record`'s JSON text."""
    r = json.loads(text)
    terms = r["terms"]
    return CasemixModel(
        result=LogisticFit(
            pd.Series(r["params"], index=terms, dtype=float),
            pd.Series(r["bse"], index=terms, dtype=float),
            r["iterations"],
        ),
        spec=DesignSpec(
            numeric=tuple(r["numeric"]),
            categorical={name: tuple(levels) for name, levels in r["categorical"]},
            fill_values={name: float(value) for name, value in r["fill_values"]},
            columns=tuple(r["columns"]),
        ),
        outcome=r["outcome"],
        covariates=tuple(r["covariates"]),
        covariates_used=tuple(r["covariates_used"]),
        covariates_dropped=dict(r["covariates_dropped"]),
        n=r["n"],
        n_events=r["n_events"],
        dropped_terms=tuple(r["dropped_terms"]),
        c_statistic=float(r["c_statistic"]),
        calibration=_frame_of(r["calibration"]),
    )


# --- at load and at page time ---------------------------------------------------------------


def build_casemix_mart(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Fit the unfiltered clinic's case-mix model in the primary window and store it with
    each completer's probability (tables ``course_casemix`` and ``casemix_model``); run by
    :func:`queries.data.loading.build_marts` after the outcome marts."""
    window = settings.primary_window
    scope = scope_struct(Scope.clinic(), Filters())
    db.execute_script(con, "marts/course_casemix", scope=scope, window=window)
    rows = db.run_here(con, "marts/casemix_fit_rows")
    try:
        model, p = fit_rows(rows)
    except InsufficientData as exc:
        db.execute_script(con, "marts/course_casemix_clear")
        db.execute_script(
            con, "marts/casemix_model", window=window, status=TOO_FEW, message=str(exc), model=None
        )
        return
    except (ValueError, ArithmeticError):  # unforeseen: nothing stored, the page fits
        db.execute_script(con, "marts/course_casemix_clear")
        return
    rank = np.empty(p.size, dtype=np.int64)
    rank[start_order(rows)] = np.arange(1, p.size + 1)
    fit_row = np.arange(1, p.size + 1)
    con.register(
        "casemix_p", pd.DataFrame({"fit_row": fit_row, "p_response": p, "start_rank": rank})
    )
    try:
        db.execute_script(con, "marts/course_casemix_p")
    finally:
        con.unregister("casemix_p")
    db.execute_script(
        con,
        "marts/casemix_model",
        window=window,
        status=FITTED,
        message=None,
        model=model_record(model),
    )


def stored_casemix(
    con: duckdb.DuckDBPyConnection, window: str
) -> tuple[pd.DataFrame, CasemixModel] | None:
    """The load's fit of the unfiltered clinic in ``window``: the completers in start order
    with ``p_response``, and the model; None when the load stored none (another window, a
    fit that failed, a file built before the table existed: the page fits).

    Raises :class:`InsufficientData` when the load found no model to fit (as the fit would).
    """
    try:
        found = db.run(con, "analytics/casemix_stored_model", window=window)
    except (duckdb.CatalogException, duckdb.BinderException):  # built before the mart
        return None
    if found.empty:
        return None
    if found["status"].iloc[0] == TOO_FEW:
        raise InsufficientData(str(found["message"].iloc[0]))
    rows = _as_returned(db.run(con, "analytics/casemix_stored_courses"))
    return rows, model_of(str(found["model"].iloc[0]))
