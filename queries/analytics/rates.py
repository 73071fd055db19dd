"""The analytics core's public functions: counts from SQL, inference from ``stats``.

Every function takes the connection, a :class:`Scope` (the whole clinic or one provider) and
:class:`Filters`; both become bound parameters of the SQL (``sql/macros.sql``), so a page
cannot show more than its scope. What leaves here is raw (full precision, all cells); tables
and figures reach people only through :mod:`queries.disclosure.gate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from queries.data import db
from queries.data.contract import (
    ADHERENCE_CLASSES,
    INDICATIONS,
    REHAB,
    ROUTES,
    SEVERITY_CLASSES,
)
from queries.core.errors import InsufficientData
from queries.core.scope import Filters, Scope, _params
from queries.core.settings import Settings
from queries.stats.intervals import add_rate_columns, poisson_rate_interval, proportion


# Grouping keys the SQL understands (sql/macros.sql group_value); anything else is refused.
GROUPINGS: dict[str, str] = {
    "severity": "Degeneration severity",
    "adherence": "Sessions completed vs planned",
    "rehab": "Rehab pairing",
    "provider": "Provider",
    "indication": "Indication",
    "route": "Route",
    "site": "Site",
    "age_band": "Age band",
    "sex": "Sex",
    "lifestyle": "Lifestyle support",
    "expectations": "Expectations",
    "start_year": "Start year",
}
# Natural display order of categorical groups (style.md: never alphabetical for these).
NATURAL_ORDER: dict[str, tuple[str, ...]] = {
    "severity": SEVERITY_CLASSES,
    "adherence": ADHERENCE_CLASSES,
    "rehab": REHAB,
    "indication": INDICATIONS,
    "route": ROUTES,
    "lifestyle": ("no_lifestyle_support", "lifestyle_support"),
    "expectations": ("realistic", "unrealistic", "unknown"),
}
RATES_COLUMNS = (
    "group", "n_courses", "n_eligible", "n_followup", "n_responders", "responder_rate",
    "ci_lower_95", "ci_upper_95", "itt_rate",
)


def _check_grouping(by: str) -> None:
    if by not in GROUPINGS and by != "all":
        raise ValueError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")


def _with_rates(counts: pd.DataFrame, confidence_level: float) -> pd.DataFrame:
    """Complete-case rate with Wilson interval, ITT rate, substantial and follow-up rates."""
    out = add_rate_columns(counts, "n_responders", "n_followup", "responder",
                           confidence_level, interval_prefix="")
    out = add_rate_columns(out, "n_responders", "n_eligible", "itt", confidence_level)
    out = add_rate_columns(out, "n_substantial_responders", "n_followup", "substantial",
                           confidence_level)
    return add_rate_columns(out, "n_followup", "n_eligible", "followup", confidence_level)


def order_groups(frame: pd.DataFrame, by: str, column: str = "group") -> pd.DataFrame:
    """Sort rows by the natural order of ``by`` (unknown last), else by value."""
    natural = NATURAL_ORDER.get(by)
    if natural is None:
        return frame.sort_values(column, kind="stable").reset_index(drop=True)
    rank = {v: i for i, v in enumerate(natural)}
    key = frame[column].map(lambda v: rank.get(v, len(rank)))
    return frame.assign(_k=key).sort_values(["_k", column], kind="stable").drop(columns="_k") \
        .reset_index(drop=True)


def responder_rates(con: duckdb.DuckDBPyConnection, by: str, scope: Scope = Scope(),
                    filters: Filters = Filters(), settings: Settings = Settings(),
                    window: str | None = None) -> pd.DataFrame:
    """Responder rates per group (methods.md sections 1-3), one row per group.

    Columns: ``group``, counts (``n_courses``, ``n_no_baseline``, ``n_low_baseline``,
    ``n_eligible``, ``n_followup``, ``n_responders``, ``n_substantial_responders``),
    ``responder_rate`` with ``ci_lower_95``/``ci_upper_95`` (Wilson, complete case),
    ``itt_rate`` (missing follow-up counted as non-response), ``substantial_rate``,
    ``followup_rate`` (completeness) and their intervals.
    """
    _check_grouping(by)
    counts = db.run(con, "analytics/responder_counts", by=by, by_2="all",
                    window=settings.window(window).name, **_params(scope, filters))
    counts = counts.drop(columns="group_value_2").rename(columns={"group_value": "group"})
    return order_groups(_with_rates(counts, settings.confidence_level), by)


def responder_rates_2d(con: duckdb.DuckDBPyConnection, rows: str, cols: str,
                       scope: Scope = Scope(), filters: Filters = Filters(),
                       settings: Settings = Settings(), window: str | None = None
                       ) -> pd.DataFrame:
    """Responder rates per ``rows`` x ``cols`` cell (heat maps), long format.

    Columns: ``row_group``, ``col_group`` and the columns of :func:`responder_rates`.
    Only cells with at least one course are returned.
    """
    _check_grouping(rows)
    _check_grouping(cols)
    counts = db.run(con, "analytics/responder_counts", by=rows, by_2=cols,
                    window=settings.window(window).name, **_params(scope, filters))
    counts = counts.rename(columns={"group_value": "row_group", "group_value_2": "col_group"})
    out = _with_rates(counts, settings.confidence_level)
    out = order_groups(out, cols, "col_group")
    return order_groups(out, rows, "row_group")


@dataclass(frozen=True)
class Overview:
    """Headline numbers for a scope (methods.md sections 1, 3 and 5)."""

    n_courses: int
    n_patients: int
    n_sessions: int
    n_no_baseline: int
    n_low_baseline: int
    n_eligible: int
    n_followup: int
    n_responders: int
    n_substantial_responders: int
    n_adverse_events: int
    n_serious_adverse_events: int
    followup: Any  # ProportionInterval: follow-up completeness
    responder_complete_case: Any  # ProportionInterval
    responder_itt: Any  # ProportionInterval
    substantial: Any  # ProportionInterval
    adverse_events_per_100_sessions: float
    adverse_events_per_100_sessions_lower: float
    adverse_events_per_100_sessions_upper: float


def overview(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
             filters: Filters = Filters(), settings: Settings = Settings(),
             window: str | None = None) -> Overview:
    """Headline numbers; raises :class:`InsufficientData` when nothing matches."""
    row = db.run(con, "analytics/overview_counts", window=settings.window(window).name,
                 **_params(scope, filters)).iloc[0]
    counts = {k: int(row[k]) for k in row.index}
    if counts["n_courses"] == 0:
        raise InsufficientData("No courses match these filters.")
    level = settings.confidence_level
    rate, lower, upper = poisson_rate_interval(counts["n_adverse_events"],
                                               counts["n_sessions"], 100.0, level)
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


def filter_options(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> dict[str, list]:
    """Values each sidebar filter can take, from the data in scope."""
    frame = db.run(con, "analytics/filter_options", scope_provider_id=scope.provider_id)
    out: dict[str, list] = {"start_year": [], "site": [], "indication": [], "route": []}
    for name, values in frame.groupby("filter_name")["value"]:
        out[name] = sorted(values)
    out["start_year"] = sorted(int(v) for v in out["start_year"])
    out["indication"] = [v for v in INDICATIONS if v in out["indication"]]
    out["route"] = [v for v in ROUTES if v in out["route"]]
    return out


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load with its files (newest first)."""
    return db.run(con, "analytics/load_history")


def table_row_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return db.run(con, "analytics/table_row_counts")


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when any load in this database came from the synthetic-clinic generator."""
    hist = load_history(con)
    return bool(hist["is_synthetic"].any()) if len(hist) else False


@dataclass(frozen=True)
class DataCheck:
    name: str
    description: str
    query: str


DATA_CHECKS: tuple[DataCheck, ...] = (
    DataCheck("courses_without_baseline", "Courses with no NRS pain value on or before day 0 "
              "(left out of responder rates as 'no baseline')", "checks/courses_without_baseline"),
    DataCheck("eligible_without_primary_followup", "Eligible courses with no NRS pain value in "
              "the primary follow-up window (lost to follow-up)",
              "checks/eligible_without_primary_followup"),
    DataCheck("sessions_beyond_plan", "Courses with more sessions than planned",
              "checks/sessions_beyond_plan"),
    DataCheck("courses_not_screened", "Courses given without a documented contraindication "
              "screen", "checks/courses_not_screened"),
    DataCheck("adverse_events_without_session", "Adverse events naming a session that was not "
              "delivered", "checks/adverse_events_without_session"),
    DataCheck("same_day_duplicate_assessments", "More than one value of an instrument on one "
              "day (averaged)", "checks/same_day_duplicate_assessments"),
)


def data_checks(con: duckdb.DuckDBPyConnection, settings: Settings = Settings()
                ) -> pd.DataFrame:
    """Run every data check; one row per check with the number of rows it flags."""
    params = {"instrument": settings.primary_instrument, "window": settings.primary_window}
    rows = []
    for check in DATA_CHECKS:
        sql = db.sql_text(check.query)
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        n = len(db.run(con, check.query, **used))
        rows.append({"check": check.name, "description": check.description, "n_flagged": n,
                     "status": "pass" if n == 0 else "review"})
    return pd.DataFrame(rows)
