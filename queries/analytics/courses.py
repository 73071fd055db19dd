"""Course-level rows in scope: the input of the provider analyses, never an output.

:func:`course_factors` returns one row per course with the factors the case-mix model, the
non-responder profile, the association model and "cases like this" use, and its
primary-window outcome (``sql/analytics/course_factors.sql``). These rows stay in the core:
the functions of :mod:`queries.analytics.providers`, :mod:`queries.analytics.nonresponders`
and :mod:`queries.analytics.cases` aggregate them before anything reaches a page.
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
