"""The one aggregation per course behind the outcome, trajectory and early-flare marts
(sql/marts/primary_course_values.sql, issue 10), on hand-made values with known answers, and
the repetition of a `$name[*]` call (queries/data/db.py expand_slots)."""

from __future__ import annotations

import random

import duckdb
import pytest

from ozone_testkit.daily_values import daily_connection
from queries.data import db
from queries.stats.trajectory import mart_weeks, week_plan

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
        **week_plan(WEEKS, SLOTS),
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


# -- the weeks another value tells (trajectory.week_plan) ------------------------------------

WINDOWS = [  # the default follow-up windows (Settings.windows)
    {"target_day": 28, "first_day": 21, "last_day": 35},
    {"target_day": 84, "first_day": 56, "last_day": 112},
    {"target_day": 182, "first_day": 154, "last_day": 210},
    {"target_day": 364, "first_day": 322, "last_day": 406},
]


def test_the_default_weeks_take_the_baseline_and_four_windows():
    """Week 0 (-60..0) is the baseline; weeks 4 (25..31), 12 (70..98), 26 and 52 lie inside the
    window of their target day, symmetric about it, so the window tells them; weeks 1, 2, 3, 6
    and 8 have no window of their target day and are computed."""
    plan = week_plan(mart_weeks(), WINDOWS)
    got = {s["week"]: (s["source"], s["at"]) for s in plan["week_slots"]}
    assert got == {
        0: ("baseline", 0),
        1: ("own", 1), 2: ("own", 2), 3: ("own", 3),
        4: ("window", 1),
        6: ("own", 4), 8: ("own", 5),
        12: ("window", 2), 26: ("window", 3), 52: ("window", 4),
    }  # fmt: skip
    assert [w["week"] for w in plan["own_weeks"]] == [1, 2, 3, 6, 8]


def test_a_week_a_day_outside_could_beat_is_computed_not_told():
    """Week 6 takes 35..48 around 42: in a window 28..56 of target 42, day 49 ties day 35 at
    seven days and wins as the later, so the window's value could lie outside the week while
    the week holds one: not told. Nor is a week whose range the window does not hold, or one
    of another target day. A plan where every week is told keeps one week its own."""
    week6 = {"week": 6, "target_day": 42, "first_day": 35, "last_day": 48}
    for window in (
        {"target_day": 42, "first_day": 28, "last_day": 56},  # a later day ties
        {"target_day": 42, "first_day": 36, "last_day": 56},  # does not hold 35
        {"target_day": 43, "first_day": 28, "last_day": 56},  # another target
    ):
        assert week_plan([week6], [window])["week_slots"][0]["source"] == "own"
    narrow = {"target_day": 42, "first_day": 35, "last_day": 48}  # the same range: told
    plan = week_plan([week6, {**week6, "week": 7}], [narrow])
    assert [s["source"] for s in plan["week_slots"]] == ["own", "window"]
    assert plan["own_weeks"] == [week6]


def _weeks_of(values: list[tuple[str, int, float]], windows: list[dict], plan: dict) -> list:
    con = daily_connection([])
    con.executemany("insert into assessment_daily values (?, 'nrs_pain', ?, ?, 1)", values)
    db.execute_script(
        con,
        "marts/primary_course_values",
        instrument="nrs_pain",
        windows=windows,
        **plan,
        flare_first_day=1,
        flare_last_day=10,
    )
    return con.execute("select * from primary_course_values order by course_id").fetchall()


def test_told_weeks_are_the_weeks_computed_each_by_its_own_aggregate():
    """Seeded simulation (random.Random(20261202)): 400 courses with 0 to 14 values on random
    days of the contract's range, many near the weeks' edges; a window 28..56 of target 42
    (week 6 must not be told by it) beside the defaults. The plan's weeks equal, course by
    course and week by week, those of a plan that computes every week itself."""
    rng = random.Random(20261202)
    edges = [d for w in mart_weeks() for d in (w["first_day"], w["last_day"])]
    values = []
    for course in range(400):
        days = {
            rng.choice(edges) + rng.choice((-1, 0, 1)) if rng.random() < 0.6
            else rng.randint(-60, 730)
            for _ in range(rng.randint(0, 14))
        }  # fmt: skip
        values += [(f"c{course:03d}", d, float(rng.randint(0, 10))) for d in sorted(days)]
    values = [v for v in values if -60 <= v[1] <= 730]
    windows = [*WINDOWS, {"target_day": 42, "first_day": 28, "last_day": 56}]
    every_week_own = {
        "week_slots": [{**w, "source": "own", "at": i} for i, w in enumerate(mart_weeks(), 1)],
        "own_weeks": mart_weeks(),
    }
    planned = week_plan(mart_weeks(), windows)
    assert sum(s["source"] != "own" for s in planned["week_slots"]) == 5  # the test tells some
    got, expected = _weeks_of(values, windows, planned), _weeks_of(values, windows, every_week_own)
    assert len(got) == len({v[0] for v in values})  # one row per course with a value
    assert got == expected
