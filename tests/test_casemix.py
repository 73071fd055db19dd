"""Known-answer tests for queries/casemix.py on simulated courses with a known logistic model.

Where each expected number comes from:
- coefficients / odds ratios / intervals / p-values: statsmodels' own ``sm.Logit`` (Newton,
  a different fitting routine from the module's GLM-IRLS) on a design matrix built here
  column by column in numpy;
- C-statistic: a brute-force count over every (responder, non-responder) pair, ties 1/2;
- calibration: the logistic score equation (Σ fitted = Σ observed with an intercept);
- planted provider effects: the simulation below (fixed seed);
- standardised differences: Austin 2009 (Stat Med 28:3083) formulas in plain Python.
"""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from queries.stats.casemix import (
    CASEMIX_COVARIATES,
    CasemixSpecificationError,
    adjusted_odds_ratios,
    aliased_columns,
    c_statistic,
    calibration_table,
    expected_by_unit,
    fit_casemix,
    standardised_differences,
)
from queries.stats.funnel import funnel

SEED = 20261125
PROVIDERS = ("p_bad", "p_good", "p_hard", "p_a", "p_b", "p_c", "p_d", "p_e")
PLANTED = {"p_bad": -0.9, "p_good": 0.7}  # true logit shifts; all others 0
SEVERITY = ("none", "mild", "moderate", "severe", "end_stage", "unknown")
SEVERITY_LOGIT = {"none": 0.3, "mild": 0.2, "moderate": 0.0, "severe": -0.7,
                  "end_stage": -1.6, "unknown": -0.2}


def simulate_courses(n: int = 4000, seed: int = SEED) -> pd.DataFrame:
    """Courses from a known logistic model; p_hard gets a harder case mix, no own effect."""
    rng = np.random.default_rng(seed)
    provider = rng.choice(PROVIDERS, n)
    hard = provider == "p_hard"
    sev_p_usual = [0.15, 0.25, 0.3, 0.15, 0.1, 0.05]
    sev_p_hard = [0.05, 0.1, 0.2, 0.3, 0.3, 0.05]
    severity = np.where(hard, rng.choice(SEVERITY, n, p=sev_p_hard),
                        rng.choice(SEVERITY, n, p=sev_p_usual))
    baseline = rng.integers(3, 11, n).astype(float)
    age = rng.choice(["30-39", "50-59", "70-79"], n)
    sex = rng.choice(["female", "male"], n)
    indication = rng.choice(["knee_oa", "hip_oa", "low_back_pain"], n, p=[0.5, 0.2, 0.3])
    joint = indication != "low_back_pain"
    route = np.where(joint, rng.choice(["intra_articular", "periarticular", "intramuscular"],
                                       n, p=[0.85, 0.1, 0.05]),
                     rng.choice(["paravertebral", "intramuscular"], n, p=[0.65, 0.35]))
    months = rng.integers(1, 120, n).astype(float)
    months[rng.random(n) < 0.15] = np.nan
    rehab = rng.choice(["none", "home_program", "supervised_pt"], n)
    logit = (0.4 + np.vectorize(SEVERITY_LOGIT.get)(severity) - 0.08 * (baseline - 6)
             + np.where(age == "70-79", -0.3, 0.0) + np.where(sex == "male", 0.1, 0.0)
             + np.where(indication == "low_back_pain", -0.3, 0.0)
             + np.where(route == "intramuscular", -0.3, 0.0)
             - 0.004 * np.nan_to_num(months, nan=60.0)
             + np.where(rehab == "supervised_pt", 0.5, 0.0)
             + np.vectorize(lambda p: PLANTED.get(p, 0.0))(provider))
    responder = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "course_id": [f"c{i:05d}" for i in range(n)], "provider_id": provider,
        "severity_class": severity, "baseline_score": baseline, "age_band": age, "sex": sex,
        "indication": indication, "route": route, "symptom_months": months, "rehab": rehab,
        "is_responder": responder,
    })


@pytest.fixture(scope="module")
def courses() -> pd.DataFrame:
    return simulate_courses()


@pytest.fixture(scope="module")
def model(courses):
    return fit_casemix(courses)


def independent_design(frame: pd.DataFrame, with_rehab: bool = False) -> pd.DataFrame:
    """The case-mix design written out by hand (references: first level in contract order)."""
    cols = {"const": np.ones(len(frame))}
    for lv in ("mild", "moderate", "severe", "end_stage", "unknown"):
        cols[f"severity_class[{lv}]"] = (frame["severity_class"] == lv).to_numpy(float)
    cols["baseline_score"] = frame["baseline_score"].to_numpy(float)
    for lv in ("50-59", "70-79"):
        cols[f"age_band[{lv}]"] = (frame["age_band"] == lv).to_numpy(float)
    cols["sex[male]"] = (frame["sex"] == "male").to_numpy(float)
    for lv in ("hip_oa", "low_back_pain"):
        cols[f"indication[{lv}]"] = (frame["indication"] == lv).to_numpy(float)
    for lv in ("periarticular", "paravertebral", "intramuscular"):
        cols[f"route[{lv}]"] = (frame["route"] == lv).to_numpy(float)
    months = frame["symptom_months"].to_numpy(float)
    cols["symptom_months"] = np.where(np.isnan(months), np.nanmedian(months), months)
    cols["symptom_months_missing"] = np.isnan(months).astype(float)
    if with_rehab:
        for lv in ("home_program", "supervised_pt"):
            cols[f"rehab[{lv}]"] = (frame["rehab"] == lv).to_numpy(float)
    return pd.DataFrame(cols)


def test_coefficients_equal_statsmodels_logit(courses, model):
    x = independent_design(courses)
    logit = sm.Logit(courses["is_responder"].to_numpy(float), x).fit(disp=0, tol=1e-12)
    assert set(model.params.index) == set(x.columns)
    for name in x.columns:
        assert model.params[name] == pytest.approx(logit.params[name], abs=1e-6), name
        assert math.exp(model.params[name]) == pytest.approx(math.exp(logit.params[name]),
                                                             abs=1e-6)
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
    assert model.c_statistic == pytest.approx(brute_force_c(y, model.predict(courses)),
                                              abs=1e-12)
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
    assert (table["predicted_min"].iloc[1:].to_numpy()
            >= table["predicted_max"].iloc[:-1].to_numpy()).all()
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
    flags = dict(zip(result.units["unit_id"], result.units["flag"]))
    assert flags["p_bad"] in ("low_alert", "low_alarm")
    assert flags["p_hard"] == "within"


def test_casemix_refuses_provider_rehab_and_sessions(courses):
    for bad in ("provider_id", "rehab", "sessions_completed", "adherence_class"):
        with pytest.raises(CasemixSpecificationError, match="cannot be case mix"):
            fit_casemix(courses, covariates=(*CASEMIX_COVARIATES, bad))


def test_missing_symptom_months_indicator_and_median(courses, model):
    assert model.spec.fill_values["symptom_months"] == pytest.approx(
        courses["symptom_months"].median())
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


def test_adjusted_odds_ratios_equal_statsmodels_logit(courses):
    covariates = (*CASEMIX_COVARIATES, "rehab")
    table = adjusted_odds_ratios(courses, "is_responder", covariates, level=0.95)
    x = independent_design(courses, with_rehab=True)
    logit = sm.Logit(courses["is_responder"].to_numpy(float), x).fit(disp=0, tol=1e-12)
    ci = np.exp(logit.conf_int(alpha=0.05))
    table = table.set_index("term")
    assert set(table.index) == set(x.columns) - {"const"}
    for term in table.index:
        assert table.loc[term, "odds_ratio"] == pytest.approx(math.exp(logit.params[term]),
                                                              abs=1e-6)
        assert table.loc[term, "ci_lower_95"] == pytest.approx(ci.loc[term, 0], abs=1e-6)
        assert table.loc[term, "ci_upper_95"] == pytest.approx(ci.loc[term, 1], abs=1e-6)
        assert table.loc[term, "p_value"] == pytest.approx(logit.pvalues[term], abs=1e-6)
    assert (table["n"] == len(courses)).all()
    assert table.loc["rehab[supervised_pt]", "n_with_level"] == (
        courses["rehab"] == "supervised_pt").sum()
    assert table.loc["rehab[supervised_pt]", "reference"] == "none"
    assert table.loc["rehab[supervised_pt]", "odds_ratio"] > 1.3  # planted +0.5 on the logit


def test_aliased_route_is_dropped_and_reported():
    rng = np.random.default_rng(11)
    n = 600
    indication = rng.choice(["knee_oa", "low_back_pain"], n)
    frame = pd.DataFrame({
        "indication": indication,
        "route": np.where(indication == "knee_oa", "intra_articular", "paravertebral"),
        "baseline_score": rng.integers(3, 11, n).astype(float),
        "is_responder": rng.random(n) < 0.5,
    })
    assert aliased_columns(pd.DataFrame({"const": 1.0, "a": [1.0, 0, 1], "b": [1.0, 0, 1]})) \
        == ["b"]
    model = fit_casemix(frame, covariates=("indication", "route", "baseline_score"))
    assert model.dropped_terms == ("route[paravertebral]",)
    table = adjusted_odds_ratios(frame, "is_responder", ("indication", "route"))
    row = table.set_index("term").loc["route[paravertebral]"]
    assert row["aliased"] and math.isnan(row["odds_ratio"])


def test_standardised_differences_match_hand_computation():
    frame = pd.DataFrame({
        "is_responder": [False] * 4 + [True] * 6,
        "sex": ["male", "male", "male", "female", "male", "female", "female", "female",
                "female", "male"],
        "lifestyle_support": [False, False, False, True, True, True, True, False, True, True],
        "overtraining": [True, None, False, None, False, False, False, False, True, False],
        "baseline_score": [8.0, 9.0, 7.0, 8.0, 6.0, 5.0, 7.0, 6.0, 5.0, 6.0],
    })
    out = standardised_differences(frame, "is_responder",
                                   ["sex", "lifestyle_support", "baseline_score",
                                    "overtraining"])
    rows = {(r.factor, r.level): r for r in out.itertuples()}
    # sex = male: non-responders 3/4, responders 2/6
    pa, pb = 3 / 4, 2 / 6
    d_male = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("sex", "male")].std_difference == pytest.approx(d_male)
    assert rows[("sex", "male")].ratio == pytest.approx(pa / pb)
    assert rows[("sex", "female")].std_difference == pytest.approx(-d_male)
    # lifestyle support (boolean: only the True level): 1/4 against 5/6
    pa, pb = 1 / 4, 5 / 6
    d_life = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("lifestyle_support", "True")].std_difference == pytest.approx(d_life)
    assert ("lifestyle_support", "False") not in rows
    # a boolean with missing values: True 1/4 vs 1/6, (missing) 2/4 vs 0/6 (unknown is shown)
    pa, pb = 2 / 4, 0.0
    d_missing = (pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2)
    assert rows[("overtraining", "(missing)")].std_difference == pytest.approx(d_missing)
    assert rows[("overtraining", "True")].share_group_b == pytest.approx(1 / 6)
    assert ("overtraining", "False") not in rows
    # baseline: means 8 and 35/6, sample variances 2/3 and 17/30
    ma, mb = 8.0, 35 / 6
    va = sum((v - ma) ** 2 for v in [8, 9, 7, 8]) / 3
    vb = sum((v - mb) ** 2 for v in [6, 5, 7, 6, 5, 6]) / 5
    d_base = (ma - mb) / math.sqrt((va + vb) / 2)
    base = rows[("baseline_score", "(mean)")]
    assert base.std_difference == pytest.approx(d_base)
    assert (base.share_group_a, base.share_group_b) == pytest.approx((ma, mb))
    assert (base.n_group_a, base.n_group_b) == (4, 6)
    # sorted by |d|, largest first
    assert list(np.abs(out["std_difference"])) == sorted(np.abs(out["std_difference"]),
                                                         reverse=True)
