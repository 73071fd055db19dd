"""Safety and screening (issue 4; methods.md sections 3 and 5): adverse events per 100
sessions and per course with exact Poisson and Wilson intervals, every serious event as
recorded, and screening as a quality indicator.

SQL (``sql/analytics/safety_*``) counts or lists; the intervals are
:func:`queries.stats.intervals.poisson_rate_interval` and the Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import check_grouping, sort_rows
from queries.core.scope import CLINIC
from queries.stats.intervals import (
    ProportionInterval,
    add_rate_columns,
    level_suffix,
    poisson_rate_interval,
    proportion,
)


def adverse_event_rates(q: Query, by: str = "route") -> pd.DataFrame:
    """Adverse events per 100 sessions and per course, per group (methods.md sections 3, 5).

    Columns: ``group, n_courses, n_sessions, n_events, n_serious_events,
    n_courses_with_event, n_courses_with_serious_event``;
    ``events_per_100_sessions`` and ``serious_events_per_100_sessions`` with exact Poisson
    (Garwood 1936) bounds ``..._ci_lower_95`` / ``..._ci_upper_95``; ``events_per_course``
    (mean events per course, exact Poisson bounds likewise); ``course_event_rate`` and
    ``course_serious_event_rate`` (share of courses with any / any serious event) with Wilson
    bounds ``course_event_ci_lower_95`` ... Rates are NaN where the denominator is 0.
    ``by``: route, provider or any grouping key of :mod:`queries.core.factors` ('all' for the
    clinic).
    """
    check_grouping(by)
    counts = q.run("analytics/safety_event_counts", by=by)
    counts = counts.rename(columns={"group_value": "group"})
    level = q.level
    sfx = level_suffix(level)
    for name, events, exposure, per in (
        ("events_per_100_sessions", "n_events", "n_sessions", 100.0),
        ("serious_events_per_100_sessions", "n_serious_events", "n_sessions", 100.0),
        ("events_per_course", "n_events", "n_courses", 1.0),
    ):
        rate, lower, upper = poisson_rate_interval(
            counts[events].to_numpy(), counts[exposure].to_numpy(), per, level
        )
        counts[name] = rate
        counts[f"{name}_ci_lower_{sfx}"] = lower
        counts[f"{name}_ci_upper_{sfx}"] = upper
    counts = add_rate_columns(counts, "n_courses_with_event", "n_courses", "course_event", level)
    counts = add_rate_columns(
        counts, "n_courses_with_serious_event", "n_courses", "course_serious_event", level
    )
    for col in (
        "n_courses",
        "n_sessions",
        "n_events",
        "n_serious_events",
        "n_courses_with_event",
        "n_courses_with_serious_event",
    ):
        counts[col] = counts[col].astype(int)
    return sort_rows(counts, by)


def clinic_adverse_event_rates(q: Query) -> pd.DataFrame:
    """The whole clinic's adverse-event rates under the same filters, one row (group
    'clinic'): the reference every viewer may see, a provider included (methods.md section 6:
    a provider sees their own courses and the clinic as a whole). ``q.scope`` is accepted and
    deliberately not applied: this is an aggregate over every provider."""
    return adverse_event_rates(q.clinic(), by="all").assign(group=CLINIC)


SERIOUS_EVENT_COLUMNS = ("course_id", "provider_id", "session_number", "day", "event")


def serious_events(q: Query) -> pd.DataFrame:
    """Every ``serious`` adverse event as recorded (methods.md section 5), nothing aggregated.

    Columns: ``course_id, provider_id, session_number`` (nullable Int64: optional in the
    contract), ``day, event``; ordered by course_id, day (then session_number, event).
    """
    out = q.run("analytics/safety_serious_events")
    out["session_number"] = out["session_number"].astype("Int64")
    out["day"] = out["day"].astype(int)
    return out.loc[:, list(SERIOUS_EVENT_COLUMNS)]


@dataclass(frozen=True)
class ScreeningSummary:
    """Screening as a quality indicator (methods.md section 5), Wilson intervals.

    ``not_screened``: courses given without a contraindication screen / courses;
    ``contraindicated``: courses with a contraindication (other than none / not_screened) /
    courses; ``g6pd_tested``: tested / courses with a known G6PD-tested value;
    ``n_g6pd_unknown``: courses where it was left empty.
    """

    n_courses: int
    not_screened: ProportionInterval
    contraindicated: ProportionInterval
    g6pd_tested: ProportionInterval
    n_g6pd_unknown: int


def screening_summary(q: Query) -> ScreeningSummary:
    """Screening counts and rates; raises :class:`InsufficientData` when nothing matches."""
    row = q.run("analytics/safety_screening_counts").iloc[0]
    c = {k: int(row[k]) for k in row.index}
    if c["n_courses"] == 0:
        raise InsufficientData("No courses match these filters.")
    level = q.level
    return ScreeningSummary(
        n_courses=c["n_courses"],
        not_screened=proportion(c["n_not_screened"], c["n_courses"], level),
        contraindicated=proportion(c["n_contraindicated"], c["n_courses"], level),
        g6pd_tested=proportion(
            c["n_g6pd_tested"], c["n_g6pd_tested"] + c["n_g6pd_not_tested"], level
        ),
        n_g6pd_unknown=c["n_g6pd_unknown"],
    )


def screening_exceptions(q: Query) -> pd.DataFrame:
    """Courses given without a screen or with a contraindication, for review.

    Columns: ``course_id, provider_id, contraindication, n_sessions_completed, g6pd_tested``
    (nullable boolean), ordered by course_id.
    """
    out = q.run("analytics/safety_screening_exceptions")
    out["g6pd_tested"] = out["g6pd_tested"].astype("boolean")
    return out
