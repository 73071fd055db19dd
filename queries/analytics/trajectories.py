"""How pain changes week by week (issue 4; methods.md sections 1 and 5).

The week of every value is assigned once per load (``sql/marts/course_trajectory_weeks.sql``);
``sql/analytics/timeline_trajectory.sql`` sums per group and week, and
:func:`queries.stats.trajectory.summarise_moments` adds the t intervals: nothing per course
reaches Python (issue 10). :func:`nrs_changes` gives the course-level rows that
:func:`queries.stats.trajectory.trajectory_by_week` (pandas, the tests' reference) works on.
Groups come in the natural order of :mod:`queries.core.factors`.
"""

from __future__ import annotations

import pandas as pd

from queries.analytics.query import Query
from queries.analytics.rates import PROVIDER, too_few_providers
from queries.core.errors import InsufficientData
from queries.core.factors import as_ordered, check_grouping
from queries.stats.trajectory import ALL_COURSES, summarise_moments

ALL = "all"  # the grouping key of one group (sql/macros.sql group_value)
# The case of sql/analytics/timeline_trajectory.sql's $like that every course matches.
NO_CASE: dict[str, str | None] = dict.fromkeys(
    ("indication", "severity_class", "age_band", "rehab")
)


def nrs_changes(q: Query, by: str | None = None) -> pd.DataFrame:
    """Every primary-instrument value as a change from baseline (long; the trajectory's input).

    Columns: ``course_id, group_value, day, score, baseline_score, change_from_baseline``
    (``group_value`` is ``'all'`` when ``by`` is None). Courses with no baseline are left out.
    """
    key = ALL if by is None else by
    check_grouping(key)
    return q.run(
        "analytics/timeline_nrs_changes",
        by=key,
        instrument=q.settings.primary_instrument,
        window=q.settings.primary_window,
    )


def weekly_moments(
    q: Query, by: str | None = None, like: dict[str, str | None] | None = None
) -> pd.DataFrame:
    """Per group and week, set-wise: ``group_value, week, n_courses, mean_change,
    sd_change`` of the one value per course and week the load kept
    (``sql/analytics/timeline_trajectory.sql`` over ``marts/course_trajectory_weeks.sql``).
    ``like``: the case (``indication, severity_class, age_band, rehab``; None = any) the
    courses must match (Cases like this); None = every course in scope."""
    key = ALL if by is None else by
    check_grouping(key)
    return q.run("analytics/timeline_trajectory", by=key, like=NO_CASE | (like or {}))


def nrs_trajectory(q: Query, by: str | None = None) -> pd.DataFrame:
    """Mean change in NRS pain from baseline by week (methods.md section 5), t intervals.

    Columns: ``group, week, n_courses, mean_change, ci_lower_95, ci_upper_95`` (suffix
    follows ``settings.confidence_level``). Weeks 0, 1, 2, 3, 4, 6, 8, 12, 26, 52 with the
    windows of :data:`queries.stats.trajectory.TRAJECTORY_WINDOWS` (one value per course and
    week, nearest the target day). Baseline = latest value with day <= 0 (methods.md section
    1), so week 0 is 0 by construction; a negative change is less pain. ``by``: severity,
    adherence, rehab, provider (or any grouping key of :mod:`queries.core.factors`); None =
    one group, :data:`queries.stats.trajectory.ALL_COURSES`. Groups in their natural order; a
    week without courses in a group has no row. Every course with a baseline counts (also a
    baseline < 3, which responder rates leave out). By provider, a provider under
    ``Settings.min_provider_courses`` eligible courses with follow-up has no line of its own
    (methods.md section 4, :func:`queries.analytics.rates.too_few_providers`). The weeks are
    assigned once per load; here one query sums per group and week (issue 10), and
    :func:`queries.stats.trajectory.summarise_moments` adds the intervals.
    """
    moments = weekly_moments(q, by)
    if by is None:
        return summarise_moments(moments.assign(group=ALL_COURSES), q.level)
    if by == PROVIDER and not moments.empty:
        moments = moments[~moments["group_value"].isin(too_few_providers(q))]
        if moments.empty:
            needs = f"{q.settings.min_provider_courses} eligible courses with follow-up"
            raise InsufficientData(
                f"Not enough courses yet for a line of your own: it needs {needs}."
                if q.scope.provider_id is not None
                else f"No provider in view has {needs} yet, so none has a line of its own."
            )
    ordered = moments.assign(group=as_ordered(moments["group_value"], by))
    ordered = ordered.sort_values(["group", "week"], kind="stable")
    return summarise_moments(ordered, q.level)
