"""Responder rates by a secondary definition: ODI and OMERACT-OARSI (methods.md section 1).

The per-course outcomes are computed at load (``sql/marts/course_secondary_outcomes.sql``,
definitions in :mod:`queries.core.responders`); ``sql/analytics/
definition_responder_counts.sql`` counts them per group, and the rates are Wilson intervals
(:mod:`queries.stats.intervals`, methods.md section 3), complete case next to ITT as for
the primary definition. Only the courses measured with a definition's instruments are
counted; where no course in view has them, :class:`InsufficientData` says so.
"""

from __future__ import annotations

import pandas as pd

from queries.analytics.query import Query
from queries.analytics.rates import (
    provider_points,
    responder_rates,
    responder_rates_2d,
    with_responder_rate,
)
from queries.core import responders
from queries.core.errors import InsufficientData
from queries.core.factors import check_grouping, sort_rows
from queries.stats.intervals import add_rate_columns

# The columns of a rate by any definition (a subset of those of rates.responder_rates).
COUNT_COLUMNS = (
    "n_courses",
    "n_not_yet_due",
    "n_no_baseline",
    "n_low_baseline",
    "n_eligible",
    "n_followup",
    "n_responders",
)


def definition_counts(
    q: Query,
    definition: str,
    by: str,
    by_2: str = "all",
    window: str | None = None,
    landmark_only: bool = False,
) -> pd.DataFrame:
    """``sql/analytics/definition_responder_counts.sql`` per ``by`` x ``by_2`` (whitelisted
    keys) by ``definition`` (``"immpact"`` or a key of :data:`queries.core.responders.
    SECONDARY`) at the window named ``window`` (None: the primary one); ``landmark_only``:
    only the courses still in care at the landmark day (methods.md section 2)."""
    if definition != responders.IMMPACT:
        responders.secondary(definition)
    check_grouping(by)
    check_grouping(by_2)
    return q.run(
        "analytics/definition_responder_counts",
        by=by,
        by_2=by_2,
        window=q.settings.window(window).name,
        definition=definition,
        landmark_only=landmark_only,
    )


def with_definition_rates(counts: pd.DataFrame, level: float) -> pd.DataFrame:
    """Complete-case rate (``responder_rate``, ``ci_lower_{lvl}``...), ITT rate
    (``itt_rate``, ``itt_ci_...``) and follow-up completeness (``followup_rate``, ...), all
    Wilson (methods.md sections 1 and 3)."""
    out = with_responder_rate(counts, level)
    out = add_rate_columns(out, "n_responders", "n_eligible", "itt", level)
    return add_rate_columns(out, "n_followup", "n_eligible", "followup", level)


def _no_instrument(definition: str) -> InsufficientData:
    d = responders.secondary(definition)
    return InsufficientData(
        f"No course in view has {d.needs}, so there are no "
        f"{d.label} responders to show; NRS pain (IMMPACT) is the primary definition."
    )


def secondary_rates(q: Query, definition: str, by: str, window: str | None = None) -> pd.DataFrame:
    """Responder rates per group by a secondary definition (methods.md section 1), one row
    per group in natural order: ``group``, the counts of :data:`COUNT_COLUMNS` (courses
    measured with the definition's instruments), ``responder_rate`` (complete case) with its
    Wilson interval, ``itt_rate`` and ``followup_rate`` with theirs. Raises
    :class:`InsufficientData` when no course in view has the instruments."""
    counts = definition_counts(q, definition, by, window=window)
    if counts.empty:
        raise _no_instrument(definition)
    counts = counts.drop(columns="group_value_2").rename(columns={"group_value": "group"})
    return sort_rows(provider_points(with_definition_rates(counts, q.level), q.settings, by), by)


def secondary_rates_2d(
    q: Query, definition: str, rows: str, cols: str, window: str | None = None
) -> pd.DataFrame:
    """:func:`secondary_rates` per ``rows`` x ``cols`` cell (heat maps), long format:
    ``row_group``, ``col_group`` and the same columns; only cells with a measured course."""
    counts = definition_counts(q, definition, rows, cols, window)
    if counts.empty:
        raise _no_instrument(definition)
    counts = counts.rename(columns={"group_value": "row_group", "group_value_2": "col_group"})
    out = provider_points(with_definition_rates(counts, q.level), q.settings, rows, cols)
    out = sort_rows(out, cols, "col_group")
    return sort_rows(out, rows, "row_group")


def definition_rates(
    q: Query, definition: str = responders.IMMPACT, by: str = "severity", window: str | None = None
) -> pd.DataFrame:
    """Responder rates per group by the chosen definition (the switch of Patterns):
    :func:`queries.analytics.rates.responder_rates` for ``"immpact"`` (the primary), else
    :func:`secondary_rates`."""
    if definition == responders.IMMPACT:
        return responder_rates(q, by, window)
    return secondary_rates(q, definition, by, window)


def definition_rates_2d(
    q: Query, definition: str, rows: str, cols: str, window: str | None = None
) -> pd.DataFrame:
    """:func:`definition_rates` per ``rows`` x ``cols`` cell (heat maps)."""
    if definition == responders.IMMPACT:
        return responder_rates_2d(q, rows, cols, window)
    return secondary_rates_2d(q, definition, rows, cols, window)
