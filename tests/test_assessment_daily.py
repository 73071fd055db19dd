"""Same-day duplicates averaged without grouping every value by day (sql/marts/
assessment_repeats.sql and assessment_daily.sql, issue 10), on hand-made values with known
answers: a true duplicate is always found, a pair whose days only look alike in the masks is
not a repeat, and every other value is kept as it is."""

from __future__ import annotations

import duckdb

from queries.data import db

VALUES = [
    # A: two values on day 0 (a true duplicate) and one on day 7
    ("A", 0, 4.0), ("A", 0, 5.0), ("A", 7, 3.0),
    # B: days 0 and 64 share a bit of the modulo-64 mask only: not a repeat
    ("B", 0, 6.0), ("B", 64, 2.0),
    # C: 0 and 64 share the modulo-64 bit, 100 and 163 the modulo-63 one: a candidate (fewer
    # bits than values in both masks), though no day repeats: not a repeat
    ("C", 0, 1.0), ("C", 64, 2.0), ("C", 100, 3.0), ("C", 163, 4.0),
    # D: the contract's first and last days, three values on day 730
    ("D", -60, 9.0), ("D", 730, 1.0), ("D", 730, 2.0), ("D", 730, 6.0),
]  # fmt: skip


def _daily() -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect()
    db.execute_script(con, "meta/schema")
    db.execute_script(con, "macros")
    for course, day, score in VALUES:
        con.execute("insert into assessments values (?, ?, 'nrs_pain', ?)", [course, day, score])
    con.execute("insert into assessments values ('A', 0, 'pgic', 3)")  # another instrument
    for name in ("staging/stg_assessments", "marts/assessment_repeats", "marts/assessment_daily"):
        db.execute_script(con, name)
    repeats = con.execute(
        "select course_id, instrument::varchar from assessment_repeats"
    ).fetchall()
    daily = con.execute(
        "select course_id, instrument::varchar, day, score, n_values from assessment_daily "
        "order by all"
    ).fetchall()
    return sorted(repeats), daily


def test_only_a_repeated_day_is_averaged_and_every_other_value_is_kept():
    repeats, daily = _daily()
    assert repeats == [("A", "nrs_pain"), ("D", "nrs_pain")]
    assert daily == [
        ("A", "nrs_pain", 0, 4.5, 2),
        ("A", "nrs_pain", 7, 3.0, 1),
        ("A", "pgic", 0, 3.0, 1),
        ("B", "nrs_pain", 0, 6.0, 1),
        ("B", "nrs_pain", 64, 2.0, 1),
        ("C", "nrs_pain", 0, 1.0, 1),
        ("C", "nrs_pain", 64, 2.0, 1),
        ("C", "nrs_pain", 100, 3.0, 1),
        ("C", "nrs_pain", 163, 4.0, 1),
        ("D", "nrs_pain", -60, 9.0, 1),
        ("D", "nrs_pain", 730, 3.0, 3),
    ]


def test_with_no_repeated_day_the_values_are_read_as_they_are():
    """No repeat (not even a mask candidate like C above): assessment_repeats is empty, and
    every value is a daily value of its own."""
    con = duckdb.connect()
    db.execute_script(con, "meta/schema")
    db.execute_script(con, "macros")
    con.execute(
        "insert into assessments values ('B', 0, 'nrs_pain', 6), ('B', 64, 'nrs_pain', 2),"
        " ('C', 0, 'nrs_pain', 1), ('C', 64, 'nrs_pain', 2), ('C', 100, 'nrs_pain', 3),"
        " ('C', 163, 'nrs_pain', 4), ('C', 0, 'odi', 40)"
    )
    for name in ("staging/stg_assessments", "marts/assessment_repeats", "marts/assessment_daily"):
        db.execute_script(con, name)
    assert con.execute("select count(*) from assessment_repeats").fetchone() == (0,)
    daily = con.execute(
        "select course_id, instrument::varchar, day, score, n_values from assessment_daily"
        " order by all"
    ).fetchall()
    values = con.execute(
        "select course_id, instrument::varchar, day, score, 1 from assessments order by all"
    ).fetchall()
    assert daily == values
