"""The Data page's questions: what was loaded, how many rows each table holds, and the data
checks (dbt-style tests: each query returns the rows to review; zero rows = pass).

The checks read the marts where they ask about something the marts define (baseline,
eligibility, follow-up, sessions delivered), so each of those has one definition
(``sql/marts/``); the load history and row counts are meta queries (``sql/meta/``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from queries.core.settings import Settings
from queries.data import db


@dataclass(frozen=True)
class DataCheck:
    """One data check: its name, what it flags in words, and its query (``sql/checks/``)."""

    name: str
    description: str
    query: str


DATA_CHECKS: tuple[DataCheck, ...] = (
    DataCheck(
        "courses_without_baseline",
        "Courses with no NRS pain value on or before day 0 "
        "(left out of responder rates as 'no baseline')",
        "checks/courses_without_baseline",
    ),
    DataCheck(
        "eligible_without_primary_followup",
        "Eligible courses with no NRS pain value in "
        "the primary follow-up window (lost to follow-up)",
        "checks/eligible_without_primary_followup",
    ),
    DataCheck(
        "sessions_beyond_plan",
        "Courses with more sessions than planned",
        "checks/sessions_beyond_plan",
    ),
    DataCheck(
        "courses_not_screened",
        "Courses given without a documented contraindication screen",
        "checks/courses_not_screened",
    ),
    DataCheck(
        "adverse_events_without_session",
        "Adverse events naming a session that was not delivered",
        "checks/adverse_events_without_session",
    ),
    DataCheck(
        "same_day_duplicate_assessments",
        "More than one value of an instrument on one day (averaged)",
        "checks/same_day_duplicate_assessments",
    ),
)


def load_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every load with its files (newest first)."""
    return db.run(con, "meta/load_history")


def table_row_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows per contract table now: ``table_name``, ``n_rows``."""
    return db.run(con, "meta/table_row_counts")


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when any load in this database came from the synthetic-clinic generator (its
    numbers are labelled as made up)."""
    hist = load_history(con)
    return bool(hist["is_synthetic"].any()) if len(hist) else False


def only_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every load came from the generator: no real course can be in the database,
    so the demo may open without sign-in (methods.md section 6). A database with no load, or
    with one real load among synthetic ones, is treated as real."""
    hist = load_history(con)
    return bool(hist["is_synthetic"].all()) if len(hist) else False


def provider_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every provider id in the database, sorted (the demo's "view as a provider" list)."""
    return db.run(con, "meta/provider_ids")["provider_id"].astype(str).tolist()


def _parameters(check: DataCheck, settings: Settings) -> dict[str, str]:
    """The parameters the check's query names, from the settings."""
    params = {"instrument": settings.primary_instrument, "window": settings.primary_window}
    sql = db.sql_text(check.query)
    return {k: v for k, v in params.items() if f"${k}" in sql}


def flagged_rows(
    con: duckdb.DuckDBPyConnection, check: DataCheck, settings: Settings = Settings()
) -> pd.DataFrame:
    """The rows one check flags (to review), given the parameters its query names."""
    return db.run(con, check.query, **_parameters(check, settings))


def data_checks(con: duckdb.DuckDBPyConnection, settings: Settings = Settings()) -> pd.DataFrame:
    """Run every data check; one row per check with the number of rows it flags."""
    rows = []
    for check in DATA_CHECKS:
        n = db.count_rows(con, check.query, **_parameters(check, settings))
        rows.append(
            {
                "check": check.name,
                "description": check.description,
                "n_flagged": n,
                "status": "pass" if n == 0 else "review",
            }
        )
    return pd.DataFrame(rows)
