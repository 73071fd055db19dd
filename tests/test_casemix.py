"""Known-answer tests for queries/stats/casemix.py and queries/stats/design.py on simulated
courses with a known logistic model (ozone_testkit/casemix_simulation.py).

Where each expected number comes from:
- coefficients: statsmodels' own ``sm.Logit`` (Newton, a different fitting routine from the
  module's GLM-IRLS) on a design matrix built by hand, column by column in numpy;
- C-statistic: a brute-force count over every (responder, non-responder) pair, ties 1/2;
- calibration: the logistic score equation (Σ fitted = Σ observed with an intercept);
- planted provider effects: the simulation (fixed seed).
"""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ozone_testkit.casemix_simulation import independent_design, simulate_courses
from queries.stats.associations import adjusted_odds_ratios
from queries.stats.casemix import (
    CASEMIX_COVARIATES,
    c_statistic,
    calibration_table,
    expected_by_unit,
    fit_casemix,
)
from queries.stats.design import (
    CasemixSpecificationError,
    aliased_columns,
    as_levels,
    ordered_levels,
)
from queries.stats.funnel import funnel


@pytest.fixture(scope="module")
def courses() -> pd.DataFrame:
    return simulate_courses()


@pytest.fixture(scope="module")
def model(courses):
    return fit_casemix(courses)


def test_coefficients_equal_statsmodels_logit(courses, model):
    x = independent_design(courses)
    logit = sm.Logit(courses["is_responder"].to_numpy(float), x).fit(disp=0, tol=1e-12)
    assert set(model.params.index) == set(x.columns)
    for name in x.columns:
        assert model.params[name] == pytest.approx(logit.params[name], abs=1e-6), name
        assert math.exp(model.params[name]) == pytest.approx(math.exp(logit.params[name]), abs=1e-6)
    np.testing.assert_allclose(model.predict(courses), logit.predict(x), atol=1e-8)
    assert model.n == len(courses) and model.dropped_terms == ()


def test_casemix_model_recovers_planted_direction(model):
    # Severity gradient and baseline slope as simulated (signs, not exact sizes).
    assert model.params["severity_class[end_stage]"] < model.params["severity_class[severe]"] < 0
    assert model.params["baseline_score"] < 0


def brute_force_c(y, p):
    """Every (responder, non-responder) pair: 1 if the responder scores higher, 1/2 on ties."""
    pos, neg = p[y == 1], p[y == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def test_c_statistic_equals_pairwise_count_with_ties():
    rng = np.random.default_rng(3)
    p = np.round(rng.random(300), 1)  # only 11 distinct values: many ties
    y = (rng.random(300) < p).astype(float)
    assert c_statistic(y, p) == pytest.approx(brute_force_c(y, p), abs=1e-12)
    assert c_statistic([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert c_statistic([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert math.isnan(c_statistic([1, 1], [0.2, 0.3]))


def test_model_c_statistic_equals_pairwise_count(courses, model):
    y = courses["is_responder"].to_numpy(float)
    assert model.c_statistic == pytest.approx(brute_force_c(y, model.predict(courses)), abs=1e-12)
    assert 0.6 < model.c_statistic < 0.8


def test_calibration_table_sums_to_totals(courses, model):
    table = model.calibration
    fitted = model.predict(courses)
    assert list(table["group"]) == list(range(1, 11))
    assert table["n"].max() - table["n"].min() <= 1 and table["n"].sum() == len(courses)
    assert table["observed"].sum() == courses["is_responder"].sum()
    assert table["expected"].sum() == pytest.approx(fitted.sum(), abs=1e-8)
    # logistic score equation with an intercept: Σ fitted = Σ observed
    assert table["expected"].sum() == pytest.approx(table["observed"].sum(), abs=1e-6)
    assert table["expected_rate"].is_monotonic_increasing
    assert (
        table["predicted_min"].iloc[1:].to_numpy() >= table["predicted_max"].iloc[:-1].to_numpy()
    ).all()
    assert {"observed_ci_lower_95", "observed_ci_upper_95"} <= set(table.columns)


def test_calibration_groups_split_ties_evenly():
    table = calibration_table(np.array([1, 0] * 10, dtype=float), np.full(20, 0.5), groups=4)
    assert list(table["n"]) == [5, 5, 5, 5]


def test_oe_recovers_planted_provider_effects(courses, model):
    units = expected_by_unit(courses, model).set_index("unit_id")
    assert units["n"].sum() == len(courses)
    assert units["observed"].sum() == courses["is_responder"].sum()
    assert units["expected"].sum() == pytest.approx(units["observed"].sum(), abs=1e-6)
    assert units.loc["p_bad", "oe_ratio"] < 0.85
    assert units.loc["p_good", "oe_ratio"] > 1.1
    # the hard case-mix provider: low crude rate, O/E near 1 once case mix is accounted for
    pooled = courses["is_responder"].mean()
    crude_hard = units.loc["p_hard", "observed"] / units.loc["p_hard", "n"]
    assert crude_hard < pooled - 0.05
    assert abs(units.loc["p_hard", "oe_ratio"] - 1) < 0.1
    np.testing.assert_allclose(units["adjusted_rate"], units["oe_ratio"] * pooled)
    # and the O/E funnel puts the bad provider below its limits
    result = funnel(units.reset_index())
    flags = dict(zip(result.units["unit_id"], result.units["flag"], strict=True))
    assert flags["p_bad"] in ("low_alert", "low_alarm")
    assert flags["p_hard"] == "within"


def test_casemix_refuses_provider_rehab_and_sessions(courses):
    for bad in ("provider_id", "rehab", "n_sessions_completed", "adherence_class"):
        with pytest.raises(CasemixSpecificationError, match="cannot be case mix"):
            fit_casemix(courses, covariates=(*CASEMIX_COVARIATES, bad))


def test_missing_symptom_months_indicator_and_median(courses, model):
    assert model.spec.fill_values["symptom_months"] == pytest.approx(
        courses["symptom_months"].median()
    )
    one = courses.iloc[[0]].copy()
    one["symptom_months"] = np.nan
    filled = one.copy()
    filled["symptom_months"] = courses["symptom_months"].median()
    gap = model.params["symptom_months_missing"]
    p_missing, p_filled = model.predict(one)[0], model.predict(filled)[0]
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert logit(p_missing) - logit(p_filled) == pytest.approx(gap, abs=1e-9)


def test_predict_refuses_unseen_category(model, courses):
    odd = courses.iloc[[0]].copy()
    odd["indication"] = "shoulder"
    with pytest.raises(CasemixSpecificationError, match="shoulder"):
        model.predict(odd)


def test_aliased_route_is_dropped_and_reported():
    rng = np.random.default_rng(11)
    n = 600
    indication = rng.choice(["knee_oa", "low_back_pain"], n)
    frame = pd.DataFrame(
        {
            "indication": indication,
            "route": np.where(indication == "knee_oa", "intra_articular", "paravertebral"),
            "baseline_score": rng.integers(3, 11, n).astype(float),
            "is_responder": rng.random(n) < 0.5,
        }
    )
    assert aliased_columns(pd.DataFrame({"const": 1.0, "a": [1.0, 0, 1], "b": [1.0, 0, 1]})) == [
        "b"
    ]
    model = fit_casemix(frame, covariates=("indication", "route", "baseline_score"))
    assert model.dropped_terms == ("route[paravertebral]",)
    table = adjusted_odds_ratios(frame, "is_responder", ("indication", "route"))
    row = table.set_index("term").loc["route[paravertebral]"]
    assert row["aliased"] and math.isnan(row["odds_ratio"])


def test_levels_follow_the_registry_with_the_reference_first():
    # Natural order from queries/core/factors.py (severity none -> end_stage, unknown last)
    values = pd.Series(["severe", "none", "unknown", "mild", "severe"])
    assert ordered_levels("severity_class", values, None) == ("none", "mild", "severe", "unknown")
    assert ordered_levels("severity_class", values, "severe") == (
        "severe",
        "none",
        "mild",
        "unknown",
    )
    # lifestyle_support as yes/no is not the registry's levels: most common first, as before
    assert ordered_levels("lifestyle_support", pd.Series(["no", "yes", "yes"]), None) == (
        "yes",
        "no",
    )
    # booleans: False (the reference), True, then missing
    assert ordered_levels("flag", as_levels(pd.Series([True, None, False])), None) == (
        "False",
        "True",
        "(missing)",
    )
    with pytest.raises(CasemixSpecificationError, match="does not occur"):
        ordered_levels("severity_class", values, "end_stage")
