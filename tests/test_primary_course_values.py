"""The one aggregation per course behind the outcome, trajectory and early-flare marts
(sql/marts/primary_course_values.sql, issue 10), on hand-made values with known answers, and
the repetition of a `$name[*]` call (queries/data/db.py expand_slots)."""

from __future__ import annotations

import duckdb
import pytest

from ozone_testkit.daily_values import daily_connection
from queries.data import db

SLOTS = [  # two overlapping windows, so one value can be the follow-up of both
    {"target_day": 28, "first_day": 21, "last_day": 35},
    {"target_day": 36, "first_day": 30, "last_day": 42},
]
WEEKS = [
    {"week": 0, "target_day": 0, "first_day": -60, "last_day": 0},
    {"week": 1, "target_day": 7, "first_day": 4, "last_day": 10},
]


def test_a_slot_call_is_repeated_once_per_element_and_nothing_else_changes():
    stmt = "select list_value(f(x, $s[*])) as a, g($s) as b, h(y, $t[*], 2) as c"
    got = db.expand_slots(stmt, {"s": [1, 2, 3], "t": [9]})
    assert got == (
        "select list_value(f(x, $s[1]), f(x, $s[2]), f(x, $s[3])) as a, g($s) as b, "
        "h(y, $t[1], 2) as c"
    )
    with pytest.raises(ValueError, match=r"\$s\[\*\] needs a non-empty list"):
        db.expand_slots("select f($s[*])", {"s": []})


def _values(daily: list[tuple[str, int, float]]) -> dict[str, tuple]:
    con = daily_connection(daily)
    con.execute(  # another instrument's values are never read
        "insert into assessment_daily values ('A', 'odi', 28, 99.0, 1), ('A', 'odi', -1, 99, 1)"
    )
    db.execute_script(
        con,
        "marts/primary_course_values",
        instrument="nrs_pain",
        windows=SLOTS,
        week_slots=WEEKS,
        flare_first_day=1,
        flare_last_day=10,
    )
    rows = con.execute("select * from primary_course_values order by course_id").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_each_window_and_week_takes_its_nearest_value_the_later_on_a_tie():
    """A: baseline the latest value on day <= 0 (day -2, 6.0, not day -9); window 1 (target
    28): days 26 and 30 tie at two days, the later (30) wins; window 2 (target 36): day 30 is
    six days off, day 41 five: 41; week 0 is the baseline day; week 1 (target 7): day 5 and
    day 9 tie, day 9; the early-flare days 1..10 hold 7.0 (day 3) at most. B: no value on day
    <= 0 and none in window 2 or week 0. C: only values outside every window."""
    got = _values(
        [
            ("A", -9, 9.0), ("A", -2, 6.0), ("A", 3, 7.0), ("A", 5, 4.0), ("A", 9, 5.0),
            ("A", 26, 3.0), ("A", 30, 2.0), ("A", 41, 1.0),
            ("B", 22, 4.0),
            ("C", 200, 1.0),
        ]
    )  # fmt: skip
    assert got["A"] == (6.0, -2, [2.0, 1.0], [30, 41], [6.0, 5.0], [-2, 9], 7.0)
    assert got["B"] == (None, None, [4.0, None], [22, None], [None, None], [None, None], None)
    assert got["C"] == (None, None, [None, None], [None, None], [None, None], [None, None], None)


def test_a_value_far_before_day_zero_keeps_its_day():
    """The day of a slot is read back from its smallest nearness (macros.sql nearness_day):
    exact at the ends of the contract's range of days, -60 and 730."""
    con = duckdb.connect()
    db.execute_script(con, "meta/schema")
    db.execute_script(con, "macros")
    for day in (-60, -1, 0, 1, 364, 729, 730):
        got = con.execute(
            "select nearness_day(nearness(?, t)) from (select unnest([0, 28, 364, 730]) as t)",
            [day],
        ).fetchall()
        assert got == [(day,)] * 4
