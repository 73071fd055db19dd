"""An independent, plain-pandas implementation of methods.md section 1 and the contract's
derived classes, written without looking at the SQL marts. Tests compare the two on the
synthetic clinic; bench/ times them against each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KL = {"0": "none", "1": "none", "2": "mild", "3": "moderate", "4": "severe"}
PF = {"I": "none", "II": "mild", "III": "moderate", "IV": "severe", "V": "end_stage"}


def severity_class(courses: pd.DataFrame) -> pd.Series:
    scale = courses["severity_scale"].astype(str)
    grade = courses["severity_grade"].astype(object)
    end = courses["end_stage"].astype("boolean").fillna(False).astype(bool)
    out = pd.Series("unknown", index=courses.index, dtype=object)
    kl = (scale == "kl") & grade.notna()
    out[kl] = grade[kl].map(KL)
    pf = (scale == "pfirrmann") & grade.notna()
    out[pf] = grade[pf].map(PF)
    out[(kl | pf) & (grade.isin(["4", "IV"])) & end] = "end_stage"
    cl = (scale == "clinician") & grade.notna()
    out[cl] = grade[cl]
    return out


def adherence_class(courses: pd.DataFrame, sessions: pd.DataFrame) -> pd.Series:
    done = sessions.groupby("course_id").size().reindex(courses["course_id"]).fillna(0).to_numpy()
    planned = courses["planned_sessions"].to_numpy()
    return pd.Series(
        np.select(
            [done == 0, done >= planned, done == 1],
            ["not_started", "full_protocol", "one_and_done"],
            "partial",
        ),
        index=courses.index,
    )


def course_outcomes(
    courses: pd.DataFrame,
    assessments: pd.DataFrame,
    first_day: int = 56,
    last_day: int = 112,
    target_day: int = 84,
) -> pd.DataFrame:
    """One row per course: baseline, follow-up, not yet due, eligible, responder, substantial.

    Not yet due (methods.md section 1): ``observed_days`` < ``last_day`` (an empty or absent
    observed_days counts as due); such a course is never eligible.
    """
    nrs = assessments[assessments["instrument"].astype(str) == "nrs_pain"]
    daily = nrs.groupby(["course_id", "day"], as_index=False)["score"].mean()
    base = daily[daily["day"] <= 0].sort_values("day").groupby("course_id").tail(1)
    base = base.set_index("course_id")["score"].rename("baseline")
    fu = daily[(daily["day"] >= first_day) & (daily["day"] <= last_day)].copy()
    fu["dist"] = (fu["day"] - target_day).abs()
    fu = fu.sort_values(["course_id", "dist", "day"], ascending=[True, True, False])
    fu = fu.groupby("course_id").head(1).set_index("course_id")["score"].rename("followup")
    out = pd.DataFrame({"course_id": courses["course_id"].to_numpy()}).set_index("course_id")
    out = out.join(base).join(fu)
    b = out["baseline"].astype(float)
    f = out["followup"].astype(float)
    drop = b - f
    observed = courses.set_index("course_id").get("observed_days")
    if observed is None:
        out["not_yet_due"] = False
    else:
        days = pd.to_numeric(observed.reindex(out.index), errors="coerce")
        out["not_yet_due"] = (days < last_day).fillna(False).astype(bool)
    out["eligible"] = (b >= 3) & ~out["not_yet_due"]
    out["has_followup"] = out["eligible"] & f.notna()
    out["responder"] = out["has_followup"] & (drop >= 2 - 1e-9) & (drop >= 0.3 * b - 1e-9)
    out["substantial"] = out["has_followup"] & (drop >= 0.5 * b - 1e-9)
    return out.reset_index()


def rates_by(tables: dict[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """n_courses, n_eligible, n_followup, n_responders per group, by severity/adherence/rehab/
    provider."""
    courses = tables["courses"].reset_index(drop=True)
    groups = {
        "severity": lambda: severity_class(courses),
        "adherence": lambda: adherence_class(courses, tables["sessions"]),
        "rehab": lambda: courses["rehab"].astype(str),
        "provider": lambda: courses["provider_id"].astype(str),
    }[by]()
    out = course_outcomes(courses, tables["assessments"])
    out["group"] = groups.to_numpy()
    agg = out.groupby("group").agg(
        n_courses=("course_id", "size"),
        n_eligible=("eligible", "sum"),
        n_followup=("has_followup", "sum"),
        n_responders=("responder", "sum"),
    )
    return agg.astype(int)
