"""Course-level rows in scope: never an output, and since issue 10 not a page's input either.

:func:`course_factors` returns one row per course with the factors of the case-mix model,
the non-responder profile, the association model and "cases like this", and its
primary-window outcome (``sql/analytics/course_factors.sql``). The pages read set-wise
queries instead (per pattern, per level, per week: their cost does not grow with the
courses); these rows are the course-level reference the tests check them against.
"""

from __future__ import annotations

import pandas as pd

from queries.analytics.query import Query
from queries.core.factors import YES

NO = "no"
# Course flags shown as yes / no in the non-responder profile and the association model.
BOOLEAN_FACTORS = (
    "lifestyle_support",
    "overtraining_reported",
    "early_antioxidants_reported",
    "is_quit_after_flare",
    "is_early_flare",
)


def course_factors(q: Query) -> pd.DataFrame:
    """One row per course in scope with its factors and primary-window outcome."""
    frame = q.run("analytics/course_factors", window=q.settings.primary_window)
    for col in BOOLEAN_FACTORS:
        frame[col] = frame[col].map({True: YES, False: NO}).astype(object)
    return frame


def completers(frame: pd.DataFrame) -> pd.DataFrame:
    """Eligible courses with a primary follow-up value: the responder denominator."""
    mask = frame["is_eligible"].fillna(False).astype(bool) & frame["has_followup"].fillna(
        False
    ).astype(bool)
    out = frame[mask].copy()
    out["is_responder"] = out["is_responder"].astype(bool)
    return out
