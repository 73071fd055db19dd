"""The clinic's courses with follow-up and the case-mix model's probability of response for
each: what the adjusted funnel (:mod:`queries.analytics.providers`) and the CUSUM
(:mod:`queries.analytics.monitoring`) share (methods.md section 4). Core only: these rows
are aggregated before anything reaches a page.

The model (:func:`queries.stats.casemix.fit_casemix`) is fitted on the whole clinic's
eligible courses with a primary follow-up value (``sql/analytics/casemix_courses.sql``: the
filters apply; a provider's scope does not: a comparison needs every provider), and each
course keeps its predicted probability ``p_response``. The rows come in start order
(:data:`START_ORDER`), the order the CUSUM reads a provider's courses in.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.stats.casemix import CasemixModel, fit_casemix_predicting

# Courses in order of start: year, quarter (an unknown quarter after the year's known ones),
# then observed_days from the most to the least (days from the first session to the
# extract: the larger, the earlier the start), then course_id (a pseudonym: an arbitrary
# but fixed order where the extract gives nothing finer).
START_ORDER = ("start_year", "start_quarter", "observed_days", "course_id")
CATEGORICAL_COVARIATES = ("severity_class", "age_band", "sex", "indication", "route")
START_ORDER_TEXT = (
    "courses in order of start: year, then quarter, then days since the first session "
    "where the extract has them, then course id"
)


@dataclass(frozen=True)
class CasemixCourses:
    """The clinic's courses with follow-up (``rows``, with ``p_response``) and the model."""

    rows: pd.DataFrame
    model: CasemixModel


def in_start_order(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` sorted by :data:`START_ORDER` (missing values last; observed_days falling)."""
    frame = rows.copy()
    keys, ascending = [], []
    for column, up in zip(START_ORDER, (True, True, False, True), strict=True):
        if column not in frame.columns:
            continue
        key = f"_order_{column}"
        values = (
            pd.to_numeric(frame[column], errors="coerce").astype(float)
            if column != "course_id"
            else None
        )
        if values is None:
            frame[key] = frame[column].astype(str)
        else:
            frame[key] = values.fillna(float("inf") if up else float("-inf"))
        keys.append(key)
        ascending.append(up)
    ordered = frame.sort_values(keys, ascending=ascending, kind="stable")
    return ordered.drop(columns=keys).reset_index(drop=True)


def casemix_courses(q: Query) -> CasemixCourses:
    """The whole clinic's completers with the case-mix model's ``p_response``, in start order.

    Raises :class:`InsufficientData` when there are no completers to compare, or all of
    them had the same outcome (no model can be fitted).
    """
    rows = q.clinic().run("analytics/casemix_courses", window=q.settings.primary_window)
    rows["is_responder"] = rows["is_responder"].astype(bool)
    for column in CATEGORICAL_COVARIATES:  # the same levels, far cheaper to code than text
        rows[column] = rows[column].astype("category")
    if rows.empty or rows["is_responder"].nunique() < 2:
        raise InsufficientData("Not enough courses with follow-up to compare providers.")
    model, rows["p_response"] = fit_casemix_predicting(rows)
    return CasemixCourses(in_start_order(rows), model)
