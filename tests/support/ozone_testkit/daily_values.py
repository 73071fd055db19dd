"""A connection holding the schema, the macros and hand-made daily values of the primary
instrument, in place of the load's ``assessment_daily`` view (sql/marts/assessment_daily.sql),
for tests of the marts that read it."""

from __future__ import annotations

import duckdb

from queries.data import db


def daily_connection(values: list[tuple[str, int, float]]) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema and macros and ``assessment_daily`` holding
    ``values`` as (course_id, day, score) of nrs_pain, one value per day."""
    con = duckdb.connect()
    db.execute_script(con, "meta/schema")
    db.execute_script(con, "macros")
    con.execute(
        "create temp table assessment_daily (course_id varchar, instrument instrument, "
        "day integer, score double, n_values integer)"
    )
    for course, day, score in values:
        con.execute(
            "insert into assessment_daily values (?, 'nrs_pain', ?, ?, 1)", [course, day, score]
        )
    return con
