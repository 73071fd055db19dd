"""The case-mix model for large clinics (queries/stats/casemix.py, ``fit_logistic_newton``,
from ``NEWTON_FROM`` courses): the same maximum-likelihood estimate as statsmodels' IRLS.

Reference: statsmodels' GLM (Binomial, logit) on the same design matrix, which the model
uses below ``NEWTON_FROM`` courses; a planted logistic model on 4,000 courses with the
case-mix covariates (symptom months partly missing: a missing indicator).
"""

import numpy as np
import pandas as pd
import pytest

from queries.stats import casemix
from queries.stats.casemix import fit_casemix_predicting, fit_logistic_newton
from queries.stats.design import design_matrix, design_spec, fit_logistic


def planted_courses(n: int = 4_000, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    severity = rng.choice(["none", "mild", "moderate", "severe"], n, p=[0.2, 0.3, 0.3, 0.2])
    baseline = rng.integers(3, 11, n).astype(float)
    months = np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 120, n).astype(float))
    sex = rng.choice(["female", "male"], n)
    logit = (
        1.0
        - 0.4 * (severity == "moderate")
        - 0.9 * (severity == "severe")
        - 0.08 * baseline
        - 0.004 * np.nan_to_num(months, nan=30.0)
        + 0.2 * (sex == "male")
    )
    return pd.DataFrame(
        {
            "severity_class": severity,
            "baseline_score": baseline,
            "sex": sex,
            "symptom_months": months,
            "is_responder": rng.random(n) < 1 / (1 + np.exp(-logit)),
        }
    )


COVARIATES = ("severity_class", "baseline_score", "sex", "symptom_months")


def test_newton_gives_the_irls_estimate_and_standard_errors():
    rows = planted_courses()
    x = design_matrix(rows, design_spec(rows, COVARIATES))
    y = rows["is_responder"].astype(float).to_numpy()
    irls, newton = fit_logistic(y, x), fit_logistic_newton(y, x)
    assert list(newton.params.index) == list(x.columns)
    np.testing.assert_allclose(newton.params, irls.params, rtol=0, atol=1e-8)
    np.testing.assert_allclose(newton.bse, irls.bse, rtol=1e-6)
    assert newton.iterations < 10  # Newton converges in a handful of steps
    assert newton.params["severity_class[severe]"] < newton.params["severity_class[moderate]"] < 0


def test_a_large_clinics_model_equals_the_small_clinics_one(monkeypatch):
    rows = planted_courses()
    small, p_small = fit_casemix_predicting(rows, covariates=COVARIATES)
    monkeypatch.setattr(casemix, "NEWTON_FROM", 1_000)  # this clinic now counts as large
    large, p_large = fit_casemix_predicting(rows, covariates=COVARIATES)
    assert isinstance(large.result, casemix.LogisticFit)
    np.testing.assert_allclose(p_large, p_small, rtol=0, atol=1e-10)
    assert large.c_statistic == pytest.approx(small.c_statistic, abs=1e-12)
    pd.testing.assert_frame_equal(
        large.calibration[["group", "n", "observed"]], small.calibration[["group", "n", "observed"]]
    )
    np.testing.assert_allclose(
        large.calibration["expected"], small.calibration["expected"], atol=1e-8
    )
