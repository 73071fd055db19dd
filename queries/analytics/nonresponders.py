"""What non-responders have in common, and what goes with response (issue 3, methods.md
sections 2 and 4).

:func:`nonresponder_profile` compares every profile factor between non-responders and
responders (Austin 2009 standardised differences, :func:`queries.stats.associations.
standardised_differences`) and says the largest differences in plain sentences, with the
words and verb phrases of :mod:`queries.core.factors`. :func:`response_associations` fits one
multivariable logistic model (:func:`queries.stats.associations.adjusted_odds_ratios`):
association, not effect; it may include the provider's own choices (sessions, rehab).

Both cost what the distinct levels and covariate patterns cost, not the courses (issue 10):
the profile reads counts per factor, level and group (``sql/analytics/nonresponder_levels.sql``)
and the model the distinct patterns of covariates and outcome with their courses as
frequency weights (``sql/analytics/response_patterns.sql``): the same maximum-likelihood
problem as the courses', so the same odds ratios, intervals and p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.analytics.courses import BOOLEAN_FACTORS, NO
from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import YES, factor
from queries.stats.associations import (
    adjusted_odds_ratios,
    standardised_differences_from_counts,
)

# The factors both questions look at: the course's condition, care and behaviours ...
_COURSE_FACTORS = (
    "severity_class",
    "adherence_class",
    "rehab",
    "lifestyle_support",
    "expectations",
    "overtraining_reported",
    "early_antioxidants_reported",
)
# ... and the patient at baseline.
_BASELINE_FACTORS = ("baseline_score", "age_band", "indication")
# Factors compared between non-responders and responders (issue 3, methods.md section 2):
# those, and quitting after a flare.
PROFILE_FACTORS = (*_COURSE_FACTORS, "is_quit_after_flare", *_BASELINE_FACTORS)
# What goes with response: association, not effect (may include the provider's choices).
ASSOCIATION_COVARIATES = (*_COURSE_FACTORS, *_BASELINE_FACTORS)
ASSOCIATION_REFERENCES = {
    "severity_class": "moderate",
    "adherence_class": "full_protocol",
    "rehab": "none",
    "expectations": "realistic",
    "age_band": "50-59",
}
MIN_ASSOCIATION_COURSES = 50  # completers before a multivariable model is fitted
NOTABLE_RATIO = 1.5  # a share this many times the other group's is said "times as often"
MEAN_LEVEL = "(mean)"  # standardised_differences' level of a numeric factor
NUMERIC_PROFILE_FACTORS = ("baseline_score",)  # compared by means (the others by shares)
_AS_TEXT = {True: YES, False: NO, "true": YES, "false": NO}  # a flag as the profile shows it


@dataclass(frozen=True)
class NonResponderProfile:
    differences: pd.DataFrame  # standardised_differences, non-responders (a) vs responders (b)
    findings: tuple[str, ...]  # plain sentences for the top differences
    n_nonresponders: int
    n_responders: int


def _finding(row: pd.Series) -> str:
    """One plain sentence for one row of the standardised differences."""
    a, b = row["share_group_a"], row["share_group_b"]
    described = factor(row["factor"])
    if row["level"] == MEAN_LEVEL:
        return (
            f"Non-responders' mean {described.words} was {a:.1f}, responders' {b:.1f} "
            f"(standardised difference {row['std_difference']:+.2f})."
        )
    shares = f"{a:.0%} of non-responders vs {b:.0%} of responders".replace("%", " %")
    phrase = described.phrase_for(str(row["level"]))
    if b > 0 and a / b >= NOTABLE_RATIO:
        return f"{shares} {phrase} ({a / b:.1f} times as often)."
    if a > 0 and b / a >= NOTABLE_RATIO:
        return f"{shares} {phrase} (responders {b / a:.1f} times as often)."
    return f"{shares} {phrase}."


def nonresponder_profile(q: Query, n_findings: int = 3) -> NonResponderProfile:
    """Every factor compared between non-responders and responders (Austin 2009 standardised
    differences), sorted by size, with plain sentences for the top ``n_findings``."""
    counts = q.run("analytics/nonresponder_levels", window=q.settings.primary_window)
    flags = counts["factor"].isin(BOOLEAN_FACTORS)
    counts["level"] = counts["level"].astype(object)
    counts.loc[flags, "level"] = counts.loc[flags, "level"].map(_AS_TEXT)
    courses = counts[counts["factor"] == PROFILE_FACTORS[0]]  # every completer, once
    n_non = int(courses.loc[~courses["is_responder"].astype(bool), "n"].sum())
    n_resp = int(courses.loc[courses["is_responder"].astype(bool), "n"].sum())
    if n_non == 0 or n_resp == 0:
        raise InsufficientData("Need both responders and non-responders to compare them.")
    diffs = standardised_differences_from_counts(
        counts, "is_responder", PROFILE_FACTORS, NUMERIC_PROFILE_FACTORS, False, True
    )
    redundant = diffs["factor"].isin(BOOLEAN_FACTORS) & (diffs["level"] != YES)
    diffs = diffs[np.isfinite(diffs["std_difference"]) & ~redundant].reset_index(drop=True)
    top = diffs.head(n_findings)
    return NonResponderProfile(diffs, tuple(_finding(r) for _, r in top.iterrows()), n_non, n_resp)


def response_associations(q: Query) -> pd.DataFrame:
    """Adjusted odds ratios of response (multivariable logistic model): association, not
    effect. Columns from :func:`queries.stats.associations.adjusted_odds_ratios`, fitted on
    the distinct covariate patterns weighted by their courses (the same fit as on the
    courses)."""
    rows = q.run("analytics/response_patterns", window=q.settings.primary_window)
    for col in BOOLEAN_FACTORS:
        if col in rows.columns:
            rows[col] = rows[col].astype(object).map(_AS_TEXT)
    for col in ASSOCIATION_COVARIATES:  # the same levels, far cheaper to code than text
        if not pd.api.types.is_numeric_dtype(rows[col]):
            rows[col] = rows[col].astype("category")
    rows["is_responder"] = rows["is_responder"].astype(bool)
    if rows["is_responder"].nunique() < 2 or rows["n"].sum() < MIN_ASSOCIATION_COURSES:
        raise InsufficientData(
            "Too few courses with follow-up for a multivariable model "
            f"(need {MIN_ASSOCIATION_COURSES}, with responders and "
            "non-responders)."
        )
    refs = {k: v for k, v in ASSOCIATION_REFERENCES.items() if (rows[k] == v).any()}
    return adjusted_odds_ratios(
        rows,
        "is_responder",
        ASSOCIATION_COVARIATES,
        level=q.level,
        reference_levels=refs,
        weights="n",
    )


def estimable_odds_ratios(associations: pd.DataFrame) -> pd.DataFrame:
    """The forest plot's rows of :func:`response_associations`: estimable terms with finite
    intervals, in model order. Raises :class:`InsufficientData` when there is none."""
    sfx_cols = [c for c in associations.columns if c.startswith("ci_")]
    finite = np.isfinite(associations[["odds_ratio", *sfx_cols]].to_numpy(dtype=float)).all(1)
    keep = ~associations["aliased"].astype(bool).to_numpy() & finite
    if not keep.any():
        raise InsufficientData("The model could not estimate any odds ratio from these courses.")
    return associations[keep].reset_index(drop=True)
