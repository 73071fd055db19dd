"""Responder rates per group and the headline numbers of a scope (methods.md sections 1-3, 5).

Every function takes a :class:`~queries.analytics.query.Query`: the connection, a scope (the
whole clinic or one provider) and the filters, which become bound parameters of the SQL
(``sql/macros.sql``), so a page cannot show more than its scope. What leaves here is raw
(full precision, all cells); tables and figures reach people only through
:mod:`queries.disclosure.gate`.

One rule is applied here, in the core, whoever looks (methods.md section 4): a provider with
fewer than ``Settings.min_provider_courses`` eligible courses with follow-up gets no rate,
interval or responder count of its own (:func:`withhold_small_providers`): in every rate by
provider, of :func:`responder_rates` and :func:`responder_rates_2d` here, of
:mod:`queries.analytics.secondary`, :mod:`queries.analytics.cases` and
:mod:`queries.analytics.providers`. The row stays, with its id for a director, its
denominators and ``too_few_courses`` True, so that a page can say why it has no point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import check_grouping, factor, sort_rows
from queries.core.scope import Filters
from queries.core.settings import Settings
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
PROVIDER = "provider"  # the grouping key of providers (queries.core.factors)
TOO_FEW_COURSES = "too_few_courses"  # True: a provider with too few courses to compare
# What a provider with too few courses keeps of a rate table: its keys and its denominators
# (never a numerator: with its denominator it would give the rate back).
KEPT_WHEN_TOO_FEW = (
    "group",
    "row_group",
    "col_group",
    "n_courses",
    "n_no_baseline",
    "n_low_baseline",
    "n_not_yet_due",
    "n_eligible",
    "n_followup",
)


def withhold_small_providers(
    frame: pd.DataFrame,
    min_courses: int,
    rows: Iterable[bool] | None = None,
    keep: Iterable[str] = KEPT_WHEN_TOO_FEW,
    count: str = "n_followup",
) -> pd.DataFrame:
    """The 20-course rule (methods.md section 4: "minimum 20 courses before a provider gets a
    point of its own"): each of ``rows`` (a provider's rows; default every row) with fewer
    than ``min_courses`` eligible courses with follow-up (``count``) keeps its ``keep``
    columns and loses every other value (rates, intervals, responder counts, means): no
    point, no rate, no interval of its own. ``too_few_courses`` says which rows; the rest is
    unchanged. Applied whoever looks, a director too: a small provider is listed by id (for
    a director) but not compared."""
    out = frame.copy()
    mask = np.ones(len(out), dtype=bool) if rows is None else np.asarray(list(rows), dtype=bool)
    few = mask & (out[count].fillna(0).to_numpy(dtype=float) < min_courses)
    withheld = [c for c in out.columns if c not in set(keep) and c != TOO_FEW_COURSES]
    if few.any():
        for column in withheld:
            values = out[column]
            if pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values):
                out[column] = values.astype("Int64")  # a count: missing, not a float
            elif not pd.api.types.is_float_dtype(values):
                out[column] = values.astype(object)
            out.loc[few, column] = pd.NA if out[column].dtype != float else np.nan
    out[TOO_FEW_COURSES] = few
    return out


def provider_points(frame: pd.DataFrame, settings: Settings, *by: str) -> pd.DataFrame:
    """:func:`withhold_small_providers` on a rate table grouped by ``by`` (one key, or the
    rows and the columns of a two-way table) when one of them is the provider; else the
    frame as it is (with ``too_few_courses`` False, so every rate table has the column)."""
    if PROVIDER not in by:
        return frame.assign(**{TOO_FEW_COURSES: False})
    return withhold_small_providers(frame, settings.min_provider_courses)


def too_few_providers(q: Query, window: str | None = None) -> tuple[str, ...]:
    """The providers in view (scope and filters) with fewer than
    ``Settings.min_provider_courses`` eligible courses with follow-up at the window (None:
    the primary one), in id order: those without a point of their own on any page (for the
    analyses that group by provider without counting follow-up, such as trajectories)."""
    counts = _responder_counts(q, PROVIDER, "all", window)
    few = counts["n_followup"].fillna(0) < q.settings.min_provider_courses
    return tuple(sorted(str(p) for p in counts.loc[few, "group_value"]))


def too_few_sentence(frame: pd.DataFrame, min_courses: int, column: str = "group") -> str | None:
    """One sentence naming the providers of ``frame`` (its ``column``) without a point of
    their own (``too_few_courses``), none of their counts; None when every one has a point.
    Blank ids (a provider's unlabelled peers) are never named."""
    if TOO_FEW_COURSES not in frame.columns:
        return None
    named = frame.loc[frame[TOO_FEW_COURSES].astype(bool), column].dropna().astype(str)
    return too_few_names(named, min_courses)


def too_few_names(ids: Iterable[str], min_courses: int) -> str | None:
    """The sentence of :func:`too_few_sentence` for the provider ``ids`` (such as those of
    :func:`too_few_providers`, the Timeline's providers without a line); None for none."""
    named = sorted({str(i) for i in ids if i})
    if not named:
        return None
    return (
        f"Too few courses to compare yet (under {min_courses} eligible courses with "
        f"follow-up), so no rate or point of their own: {', '.join(named)}."
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
    ``followup_rate`` (completeness) and their intervals, and ``too_few_courses``: by
    provider, a provider under ``Settings.min_provider_courses`` eligible courses with
    follow-up keeps only its denominators (:func:`withhold_small_providers`).
    """
    counts = _responder_counts(q, by, "all", window)
    counts = counts.drop(columns="group_value_2").rename(columns={"group_value": "group"})
    return sort_rows(provider_points(_with_rates(counts, q.level), q.settings, by), by)


def responder_rates_2d(q: Query, rows: str, cols: str, window: str | None = None) -> pd.DataFrame:
    """Responder rates per ``rows`` x ``cols`` cell (heat maps), long format.

    Columns: ``row_group``, ``col_group`` and the columns of :func:`responder_rates`.
    Only cells with at least one course are returned; a provider's cell under
    ``Settings.min_provider_courses`` eligible courses with follow-up keeps only its
    denominators.
    """
    counts = _responder_counts(q, rows, cols, window)
    counts = counts.rename(columns={"group_value": "row_group", "group_value_2": "col_group"})
    out = provider_points(_with_rates(counts, q.level), q.settings, rows, cols)
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

    def counts(self) -> dict[str, int]:
        """Every count of the headline (the ``n_`` fields, in order), for the gate to hide
        together: none of them can then be worked out from the others."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name.startswith("n_")
        }


def _stored_overview(q: Query, window: str | None) -> dict[str, int] | None:
    """The Overview's counts of the unfiltered clinic as the load stored them
    (``sql/analytics/clinic_overview.sql``, issue 10: no page view reads every course for
    them); None for a provider's scope, a filtered view or another window than the load's
    primary one: those are counted from the courses."""
    frame = q.run("analytics/clinic_overview", window=q.settings.window(window).name)
    if frame.empty:
        return None
    return {str(k): int(v) for k, v in frame.iloc[0].items()}


def _overview_counts(q: Query, window: str | None = None) -> dict[str, int]:
    """Every count of :class:`Overview`: stored at load for the unfiltered clinic
    (:func:`_stored_overview`), else the scope's course totals
    (``sql/analytics/course_totals.sql``) and its outcome counts in one group
    (``responder_counts.sql``); raises :class:`InsufficientData` when nothing matches."""
    counts = _stored_overview(q, window)
    if counts is None:
        totals = q.run("analytics/course_totals").iloc[0]
        counts = {str(k): int(v) for k, v in totals.items()}
        if counts["n_courses"] > 0:
            outcomes = _responder_counts(q, "all", "all", window).iloc[0]
            counts.update({k: int(outcomes[k]) for k in OUTCOME_COUNTS})
    if counts["n_courses"] == 0:
        raise InsufficientData("No courses match these filters.")
    return counts


def overview(q: Query, window: str | None = None) -> Overview:
    """Headline numbers (:func:`_overview_counts`) with their rates and intervals; raises
    :class:`InsufficientData` when nothing matches."""
    counts = _overview_counts(q, window)
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
    extract (methods.md section 1 "Not yet due"); 0 when no course matches. Stored at load
    for the unfiltered clinic (:func:`_stored_overview`)."""
    stored = _stored_overview(q, window)
    if stored is not None:
        return stored["n_not_yet_due"]
    counts = _responder_counts(q, "all", "all", window)
    return int(counts["n_not_yet_due"].sum())


def filter_options(q: Query) -> dict[str, list]:
    """Values each sidebar filter can take, from the data in scope (whatever the filters),
    read from the few rows the load stored per provider (``sql/analytics/filter_options.sql``,
    issue 10)."""
    frame = replace(q, filters=Filters()).run("analytics/filter_options")
    out: dict[str, list] = {"start_year": [], "site": [], "indication": [], "route": []}
    for name, values in frame.groupby("filter_name")["value"]:
        out[str(name)] = sorted(values)
    out["start_year"] = sorted(int(v) for v in out["start_year"])
    for name in ("indication", "route"):
        out[name] = factor(name).ordered(out[name])
    return out
