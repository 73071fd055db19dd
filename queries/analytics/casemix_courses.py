"""The clinic's courses with follow-up and the case-mix model's probability of response for
each: what the adjusted funnel (:mod:`queries.analytics.providers`) and the CUSUM
(:mod:`queries.analytics.monitoring`) share (methods.md section 4). Core only: these rows
are aggregated before anything reaches a page.

The model (:func:`queries.stats.casemix.fit_casemix`) is fitted on the whole clinic's
eligible courses with a primary follow-up value (``sql/analytics/casemix_courses.sql``: the
filters apply; a provider's scope does not: a comparison needs every provider), and each
course keeps its predicted probability ``p_response``. The rows come in start order
(:data:`START_ORDER`), the order the CUSUM reads a provider's courses in. Without filters
(the default view) the load has fitted that model already and stored it with every
course's probability (:mod:`queries.data.casemix_mart`, issue 10), and the pages read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries.analytics.query import Query
from queries.core.scope import Filters
from queries.data.casemix_mart import fit_courses, stored_casemix
from queries.stats.casemix import CasemixModel

# Courses in order of start: year, quarter (an unknown quarter after the year's known ones),
# then observed_days from the most to the least (days from the first session to the
# extract: the larger, the earlier the start), then course_id (a pseudonym: an arbitrary
# but fixed order where the extract gives nothing finer). The SQL ranks the courses so
# (start_rank, sql/analytics/casemix_courses.sql): no sort in pandas.
START_ORDER = ("start_year", "start_quarter", "observed_days", "course_id")
START_ORDER_TEXT = (
    "courses in order of start: year, then quarter, then days since the first session "
    "where the extract has them, then course id"
)


@dataclass(frozen=True)
class CasemixCourses:
    """The clinic's courses with follow-up (``rows``, with ``p_response``) and the model."""

    rows: pd.DataFrame
    model: CasemixModel


def casemix_courses(q: Query) -> CasemixCourses:
    """The whole clinic's completers with the case-mix model's ``p_response``, in start order.

    With no filter, the model the load fitted and stored (:func:`queries.data.casemix_mart.
    stored_casemix`: the same rows and model, read, not fitted); with filters, or when the
    load stored none, fitted now (:func:`queries.data.casemix_mart.fit_courses`). Raises
    :class:`InsufficientData` when there are no completers to compare, or all of them had
    the same outcome (no model can be fitted).
    """
    window = q.settings.primary_window
    if q.filters == Filters():
        stored = stored_casemix(q.con, window)
        if stored is not None:
            return CasemixCourses(*stored)
    return CasemixCourses(*fitted_casemix(q))


def fitted_casemix(q: Query) -> tuple[pd.DataFrame, CasemixModel]:
    """The completers and the model of :func:`casemix_courses`, fitted now (never read
    from the load's mart)."""
    rows = q.clinic().run("analytics/casemix_courses", window=q.settings.primary_window)
    return fit_courses(rows)
