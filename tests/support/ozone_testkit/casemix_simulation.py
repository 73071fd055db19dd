"""Simulated courses from a known logistic model, for the case-mix and association tests.

tests/test_casemix.py and tests/test_associations.py share them. ``simulate_courses`` draws
courses (fixed seed) whose responder probability follows a logistic model written out below,
with two planted provider effects (``PLANTED``) and one provider with a harder case mix and
no effect of its own; ``independent_design`` writes the case-mix design matrix out by hand,
column by column in numpy, for statsmodels' own ``sm.Logit`` to fit independently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20261125
PROVIDERS = ("p_bad", "p_good", "p_hard", "p_a", "p_b", "p_c", "p_d", "p_e")
PLANTED = {"p_bad": -0.9, "p_good": 0.7}  # true logit shifts; all others 0
SEVERITY = ("none", "mild", "moderate", "severe", "end_stage", "unknown")
SEVERITY_LOGIT = {
    "none": 0.3,
    "mild": 0.2,
    "moderate": 0.0,
    "severe": -0.7,
    "end_stage": -1.6,
    "unknown": -0.2,
}


def simulate_courses(n: int = 4000, seed: int = SEED) -> pd.DataFrame:
    """Courses from a known logistic model; p_hard gets a harder case mix, no own effect."""
    rng = np.random.default_rng(seed)
    provider = rng.choice(PROVIDERS, n)
    hard = provider == "p_hard"
    sev_p_usual = [0.15, 0.25, 0.3, 0.15, 0.1, 0.05]
    sev_p_hard = [0.05, 0.1, 0.2, 0.3, 0.3, 0.05]
    severity = np.where(
        hard, rng.choice(SEVERITY, n, p=sev_p_hard), rng.choice(SEVERITY, n, p=sev_p_usual)
    )
    baseline = rng.integers(3, 11, n).astype(float)
    age = rng.choice(["30-39", "50-59", "70-79"], n)
    sex = rng.choice(["female", "male"], n)
    indication = rng.choice(["knee_oa", "hip_oa", "low_back_pain"], n, p=[0.5, 0.2, 0.3])
    joint = indication != "low_back_pain"
    route = np.where(
        joint,
        rng.choice(["intra_articular", "periarticular", "intramuscular"], n, p=[0.85, 0.1, 0.05]),
        rng.choice(["paravertebral", "intramuscular"], n, p=[0.65, 0.35]),
    )
    months = rng.integers(1, 120, n).astype(float)
    months[rng.random(n) < 0.15] = np.nan
    rehab = rng.choice(["none", "home_program", "supervised_pt"], n)
    logit = (
        0.4
        + np.vectorize(SEVERITY_LOGIT.get)(severity)
        - 0.08 * (baseline - 6)
        + np.where(age == "70-79", -0.3, 0.0)
        + np.where(sex == "male", 0.1, 0.0)
        + np.where(indication == "low_back_pain", -0.3, 0.0)
        + np.where(route == "intramuscular", -0.3, 0.0)
        - 0.004 * np.nan_to_num(months, nan=60.0)
        + np.where(rehab == "supervised_pt", 0.5, 0.0)
        + np.vectorize(lambda p: PLANTED.get(p, 0.0))(provider)
    )
    responder = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "course_id": [f"c{i:05d}" for i in range(n)],
            "provider_id": provider,
            "severity_class": severity,
            "baseline_score": baseline,
            "age_band": age,
            "sex": sex,
            "indication": indication,
            "route": route,
            "symptom_months": months,
            "rehab": rehab,
            "is_responder": responder,
        }
    )


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
