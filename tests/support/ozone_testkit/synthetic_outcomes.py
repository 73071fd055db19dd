"""The synthetic clinic the generator tests share, and its outcomes computed directly.

One 20,000-course clinic (``generate_clinic(N, SEED)``), built once per test session, with
the methods.md section 1 outcome of every course computed here in pandas, independently of
the loader and the SQL marts. tests/test_generator_contract.py, tests/test_generator_truth.py
and tests/test_planted_effects.py read it; ``GAP_TOLERANCE`` is the tolerance they all use
for the gap between two crude rates (justified below).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from sample_data import SyntheticClinic, generate_clinic

N = 20_000
SEED = 20261125

# The contract's columns the generator writes, copied from data-contract.md (not imported
# from the generator); NOT_WRITTEN: its optional columns the generator leaves out (the contract
# allows an optional column to be left out of a file), in the contract's order after them.
CONTRACT_COLUMNS = {
    "courses": [
        "course_id",
        "patient_id",
        "site_id",
        "provider_id",
        "start_year",
        "start_quarter",
        "age_band",
        "sex",
        "indication",
        "route",
        "severity_scale",
        "severity_grade",
        "end_stage",
        "symptom_months",
        "planned_sessions",
        "rehab",
        "lifestyle_support",
        "expectations",
        "contraindication",
        "g6pd_tested",
        "overtraining_reported",
        "early_antioxidants_reported",
        "escalated_day",
        "course_price",
    ],
    "sessions": ["course_id", "session_number", "day", "concentration_ug_ml", "volume_ml"],
    "assessments": ["course_id", "day", "instrument", "score"],
    "adverse_events": ["course_id", "session_number", "day", "event", "seriousness"],
}
NOT_WRITTEN = {"courses": ["observed_days"]}  # not simulated yet
BOOL_COLUMNS = [
    "end_stage",
    "lifestyle_support",
    "g6pd_tested",
    "overtraining_reported",
    "early_antioxidants_reported",
]

# Tolerance for gaps between two crude complete-case rates at n = 20,000 (about 15,000
# eligible completers): sampling SD of a difference is 0.011-0.016 here (groups of
# 1,300-11,600), 4 SD ~ 0.06; and the crude gap is not the planted (reference-level) gap:
# other factors are mixed in (non-collapsibility shrinks gaps), one_and_done carries the
# flare confounding, supervised PT the referral confounding. Measured at 200,000 courses
# over 4 seeds, crude minus planted: severity moderate-end_stage -0.02..-0.04, adherence
# full-one_and_done -0.01..-0.02, rehab supervised-none +0.02..+0.03. 0.06 + 0.04 = 0.10.
GAP_TOLERANCE = 0.10


@cache
def shared_clinic() -> SyntheticClinic:
    """The N-course clinic of seed SEED, generated once per test session (read only)."""
    return generate_clinic(N, SEED)


def severity_class(courses: pd.DataFrame) -> pd.Series:
    """data-contract.md "Derived": severity_class from scale, grade and end_stage."""
    scale, grade = courses["severity_scale"], courses["severity_grade"]
    end = courses["end_stage"].fillna(False).astype(bool)
    kl, pf = scale == "kl", scale == "pfirrmann"
    out = np.select(
        [
            (scale == "none") | grade.isna(),
            kl & grade.isin(["0", "1"]),
            kl & (grade == "2"),
            kl & (grade == "3"),
            kl & (grade == "4") & end,
            kl & (grade == "4"),
            pf & (grade == "I"),
            pf & (grade == "II"),
            pf & (grade == "III"),
            pf & (grade == "IV") & end,
            pf & (grade == "IV"),
            pf & (grade == "V"),
        ],
        [
            "unknown",
            "none",
            "mild",
            "moderate",
            "end_stage",
            "severe",
            "none",
            "mild",
            "moderate",
            "end_stage",
            "severe",
            "end_stage",
        ],
        grade.astype(object),
    )
    return pd.Series(out, index=courses.index)


def outcomes_of(clinic: SyntheticClinic) -> pd.DataFrame:
    """One row per course: methods.md section 1 outcome, computed directly in pandas.

    Baseline = latest nrs_pain with day <= 0; follow-up = value nearest day 84 in 56..112,
    the later one on a tie; responder = drop >= 2 and >= 30 % of baseline; eligible =
    baseline >= 3. Adherence and severity classes by the data contract.
    """
    t = clinic.tables
    courses = t["courses"].set_index("course_id")
    nrs = t["assessments"][t["assessments"]["instrument"] == "nrs_pain"]
    base = (
        nrs[nrs["day"] <= 0].sort_values(["course_id", "day"]).groupby("course_id")["score"].last()
    )
    win = nrs[nrs["day"].between(56, 112)].assign(dist=lambda d: (d["day"] - 84).abs())
    fu = (
        win.sort_values(["course_id", "dist", "day"], ascending=[True, True, False])
        .groupby("course_id")["score"]
        .first()
    )
    done = t["sessions"].groupby("course_id").size().reindex(courses.index, fill_value=0)
    out = courses.assign(baseline=base, followup=fu, completed=done)
    out["adherence_class"] = np.select(
        [done == 0, done >= out["planned_sessions"], done == 1],
        ["not_started", "full_protocol", "one_and_done"],
        "partial",
    )
    out["severity_class"] = severity_class(out)
    out["eligible"] = out["baseline"] >= 3
    out["has_followup"] = out["followup"].notna()
    drop = out["baseline"] - out["followup"]
    out["responder"] = (drop >= 2) & (drop >= 0.3 * out["baseline"])
    return out


@cache
def shared_outcomes() -> pd.DataFrame:
    """``outcomes_of(shared_clinic())``, computed once per test session (read only)."""
    return outcomes_of(shared_clinic())
