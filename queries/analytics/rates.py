"""Responder rates per group and the headline numbers of a scope (methods.md sections 1-3, 5).

Every function takes a :class:`~queries.analytics.query.Query`: the connection, a scope (the
whole clinic or one provider) and the filters, which become bound parameters of the SQL
(``sql/macros.sql``), so a page cannot show more than its scope. What leaves here is raw
(full precision, all cells); tables and figures reach people only through
:mod:`queries.disclosure.gate`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import check_grouping, factor, sort_rows
from queries.core.scope import Filters
from queries.stats.intervals import (
    ProportionInterval,
    add_rate_columns,
    poisson_rate_interval,
    proportion,
)

RATES_COLUMNS = (
    "group",
    "n_courses",
    "n_eligible",
    "n_followup",
    "n_responders",
    "responder_rate",
    "ci_lower_95",
    "ci_upper_95",
    "itt_rate",
    "n_not_yet_due",
)
PER_SESSIONS = 100.0  # adverse events are counted per 100 sessions
# The outcome counts of sql/analytics/responder_counts.sql that Overview shows.
OUTCOME_COUNTS = (
    "n_no_baseline",
    "n_low_baseline",
    "n_eligible",
    "n_followup",
    "n_responders",
    "n_substantial_responders",
    "n_not_yet_due",
)


def with_responder_rate(counts: pd.DataFrame, level: float) -> pd.DataFrame:
    """``responder_rate`` = n_responders / n_followup (complete case) with its Wilson
    interval ``ci_lower_{lvl}`` / ``ci_upper_{lvl}``."""
    return add_rate_columns(
        counts, "n_responders", "n_followup", "responder", level, interval_prefix=""
    )


def _with_rates(counts: pd.DataFrame, level: float) -> pd.DataFrame:
    """Complete-case rate with Wilson interval, ITT rate, substantial and follow-up rates."""
    out = with_responder_rate(counts, level)
    out = add_rate_columns(out, "n_responders", "n_eligible", "itt", level)
    out = add_rate_columns(out, "n_substantial_responders", "n_followup", "substantial", level)
    return add_rate_columns(out, "n_followup", "n_eligible", "followup", level)


def _responder_counts(q: Query, by: str, by_2: str, window: str | None) -> pd.DataFrame:
    """``sql/analytics/responder_counts.sql`` per ``by`` x ``by_2`` (whitelisted keys) at the
    follow-up window named ``window`` (None: the primary one)."""
    check_grouping(by)
    check_grouping(by_2)
    name = q.settings.window(window).name
    return q.run("analytics/responder_counts", by=by, by_2=by_2, window=name)


def responder_rates(q: Query, by: str, window: str | None = None) -> pd.DataFrame:
    """Responder rates per group (methods.md sections 1-3), one row per group.

    Columns: ``group``, counts (``n_courses``, ``n_no_baseline``, ``n_low_baseline``,
    ``n_eligible``, ``n_followup``, ``n_responders``, ``n_substantial_responders``,
    ``n_not_yet_due``: the window had not closed by the extract, methods.md section 1 "Not
    yet due"; such a course is in no other count but ``n_courses``),
    ``responder_rate`` with ``ci_lower_95``/``ci_upper_95`` (Wilson, complete case),
    ``itt_rate`` (missing follow-up counted as non-response), ``substantial_rate``,
    ``followup_rate`` (completeness) and their intervals.
    """
    counts = _responder_counts(q, by, "all", window)
    counts = counts.drop(columns="group_value_2").rename(columns={"group_value": "group"})
    return sort_rows(_with_rates(counts, q.level), by)


def responder_rates_2d(q: Query, rows: str, cols: str, window: str | None = None) -> pd.DataFrame:
    """Responder rates per ``rows`` x ``cols`` cell (heat maps), long format.

    Columns: ``row_group``, ``col_group`` and the columns of :func:`responder_rates`.
    Only cells with at least one course are returned.
    """
    counts = _responder_counts(q, rows, cols, window)
    counts = counts.rename(columns={"group_value": "row_group", "group_value_2": "col_group"})
    out = _with_rates(counts, q.level)
    out = sort_rows(out, cols, "col_group")
    return sort_rows(out, rows, "row_group")


@dataclass(frozen=True)
class Overview:
    """Headline numbers for a scope (methods.md sections 1, 3 and 5).

    ``n_not_yet_due`` courses (methods.md section 1 "Not yet due") are in none of the
    outcome counts: ``n_courses`` = not yet due + no baseline + low baseline + eligible.
    """

    n_courses: int
    n_patients: int
    n_sessions: int
    n_no_baseline: int
    n_low_baseline: int
    n_eligible: int
    n_followup: int
    n_responders: int
    n_substantial_responders: int
    n_not_yet_due: int
    n_adverse_events: int
    n_serious_adverse_events: int
    followup: ProportionInterval  # follow-up completeness
    responder_complete_case: ProportionInterval
    responder_itt: ProportionInterval
    substantial: ProportionInterval
    adverse_events_per_100_sessions: float
    adverse_events_per_100_sessions_lower: float
    adverse_events_per_100_sessions_upper: float


def overview(q: Query, window: str | None = None) -> Overview:
    """Headline numbers: the scope's course totals (``sql/analytics/course_totals.sql``) and
    its outcome counts in one group (``responder_counts.sql``); raises
    :class:`InsufficientData` when nothing matches."""
    totals = q.run("analytics/course_totals").iloc[0]
    counts = {str(k): int(v) for k, v in totals.items()}
    if counts["n_courses"] == 0:
        raise InsufficientData("No courses match these filters.")
    outcomes = _responder_counts(q, "all", "all", window).iloc[0]
    counts.update({k: int(outcomes[k]) for k in OUTCOME_COUNTS})
    level = q.level
    rate, lower, upper = poisson_rate_interval(
        counts["n_adverse_events"], counts["n_sessions"], PER_SESSIONS, level
    )
    return Overview(
        **counts,
        followup=proportion(counts["n_followup"], counts["n_eligible"], level),
        responder_complete_case=proportion(counts["n_responders"], counts["n_followup"], level),
        responder_itt=proportion(counts["n_responders"], counts["n_eligible"], level),
        substantial=proportion(counts["n_substantial_responders"], counts["n_followup"], level),
        adverse_events_per_100_sessions=float(rate),
        adverse_events_per_100_sessions_lower=float(lower),
        adverse_events_per_100_sessions_upper=float(upper),
    )


def n_not_yet_due(q: Query, window: str | None = None) -> int:
    """Courses in view whose follow-up window (None: the primary one) had not closed by the
    extract (methods.md section 1 "Not yet due"); 0 when no course matches."""
    counts = _responder_counts(q, "all", "all", window)
    return int(counts["n_not_yet_due"].sum())


def filter_options(q: Query) -> dict[str, list]:
    """Values each sidebar filter can take, from the data in scope (whatever the filters)."""
    frame = replace(q, filters=Filters()).run("analytics/filter_options")
    out: dict[str, list] = {"start_year": [], "site": [], "indication": [], "route": []}
    for name, values in frame.groupby("filter_name")["value"]:
        out[str(name)] = sorted(values)
    out["start_year"] = sorted(int(v) for v in out["start_year"])
    for name in ("indication", "route"):
        out[name] = factor(name).ordered(out[name])
    return out
