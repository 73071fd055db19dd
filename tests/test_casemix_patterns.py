"""The case-mix model fitted on distinct covariate patterns (issue 10) is the model fitted on
the courses (methods.md section 4): the same coefficients, standard errors and each course's
predicted probability, to 1e-8.

The reference is the per-course fit as it was before the change (the design matrix of every
course, statsmodels' IRLS below NEWTON_FROM courses, Newton-Raphson from there), on the
fixture clinic and the synthetic clinic, through both fitting routines.
"""

import numpy as np
import pandas as pd
import pytest

import queries.stats.casemix as casemix
from queries.analytics.casemix_courses import CATEGORICAL_COVARIATES
from queries.analytics.query import Query
from queries.data import db
from queries.stats.design import (
    choose_covariates,
    design_matrix,
    design_spec,
    fit_logistic,
    identifiable_design,
    outcome_rows,
    outcome_values,
    patterns,
)

TOL = 1e-8


def reference_fit(frame: pd.DataFrame, newton: bool):
    """The per-course fit: coefficients, standard errors, each course's probability."""
    rows = outcome_rows(frame, "is_responder")
    y = outcome_values(rows, "is_responder")
    choice = choose_covariates(rows, casemix.CASEMIX_COVARIATES)
    spec = design_spec(rows, choice.used)
    x = design_matrix(rows, spec)
    spec, _ = identifiable_design(spec, x)
    x = x[list(spec.columns)]
    result = casemix.fit_logistic_newton(y, x) if newton else fit_logistic(y, x)
    p = 1.0 / (1.0 + np.exp(-(x.to_numpy() @ result.params.to_numpy())))
    return result.params, result.bse, p


def _courses(path) -> pd.DataFrame:
    q = Query(db.connect(path))
    rows = q.clinic().run("analytics/casemix_courses", window=q.settings.primary_window)
    rows["is_responder"] = rows["is_responder"].astype(bool)
    for column in CATEGORICAL_COVARIATES:
        rows[column] = rows[column].astype("category")
    return rows


@pytest.mark.parametrize("newton", [False, True])
@pytest.mark.parametrize("clinic", ["fixture_clinic_db", "synthetic_clinic_db"])
def test_pattern_fit_equals_per_course_fit(clinic, newton, request, monkeypatch):
    rows = _courses(request.getfixturevalue(clinic))
    if newton:
        monkeypatch.setattr(casemix, "NEWTON_FROM", 1)
    params, bse, p = reference_fit(rows, newton)
    model, predicted = casemix.fit_casemix_predicting(rows)
    assert list(model.params.index) == list(params.index)
    np.testing.assert_allclose(model.params.to_numpy(), params.to_numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(model.result.bse.to_numpy(), bse.to_numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(predicted, p, rtol=TOL, atol=TOL)
    assert model.n == len(rows)
    assert isinstance(model.result, casemix.LogisticFit) == newton


def test_patterns_group_equal_rows_with_missing_values():
    """Rows equal on every column (a missing value equal to a missing value) share a pattern."""
    frame = pd.DataFrame({"a": ["x", "x", "y", "x", None, None], "b": [1.0, 1.0, 1.0, 2.0, 3, 3]})
    groups = patterns(frame, ["a", "b"])
    assert groups.ids[0] == groups.ids[1] and groups.ids[4] == groups.ids[5]
    assert len(set(groups.ids)) == 4
    assert list(groups.n) == [2, 1, 1, 2]
    assert list(groups.first) == [0, 2, 3, 4]
