"""A hand-built extract WITH ``observed_days`` (methods.md section 1 "Not yet due"): courses
named after the edge they exercise, every expected count worked out by hand below.

The extract was taken on 2026-01-20 (not written anywhere: ``observed_days`` = days from the
first session to that date, so the start quarters below agree with it). A course is not yet
due for a window when observed_days < the window's last day: 12 weeks = day 56..112 (last
day 112), 4 weeks = day 21..35 (last day 35); an empty observed_days counts as due. A course
not yet due is in no denominator of that window and is counted on its own; the others fall
in exactly one of no baseline, low baseline (< 3) and eligible. Responder = drop >= 2 points
and >= 30 % of baseline, substantial = drop >= 50 % (at the value nearest the target day).
Every course is KL 3 (moderate), no rehab, site S1; sessions weekly from day 0, all before
its observed_days. Written with the helpers of fixture_clinic.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ozone_testkit import fixture_clinic
from ozone_testkit.fixture_clinic import NRS, course_table
from queries.analytics.rates import OUTCOME_COUNTS


@dataclass(frozen=True)
class DueCourse:
    course_id: str
    provider_id: str
    start_year: int
    start_quarter: int
    observed_days: str  # "" = not given (counts as due)
    planned_sessions: int
    n_sessions: int
    nrs: NRS
    severity_scale: str = "kl"
    severity_grade: str = "3"
    rehab: str = "none"


# One course a line: course_id, provider, start year-quarter, observed_days ("-" = empty),
# sessions completed/planned; then, indented, its NRS pain values (day:score). The reading at
# 12 weeks (12w) and 4 weeks (4w) is in the comment above each course.
_COURSE_TABLE = """
# observed 400: due at both. 12w: baseline 8, day 84 = 4, drop 4 = 50 %: responder and
# substantial. 4w: day 28 = 6, drop 2 = 25 %: not a responder.
due_responder               P_A  2024-Q4  400  4/4
    0:8 28:6 84:4
# observed 200: due. 12w: nothing in day 56..112: eligible, lost to follow-up (an ITT
# non-responder). 4w: day 30 = 5, drop 2 of 7 = 29 %: not a responder.
due_no_followup             P_A  2025-Q3  200  2/4
    0:7 30:5
# observed exactly 112 = the 12w window's last day: due (only observed_days < 112 is not).
# 12w: baseline 6, day 84 = 3, drop 50 %: responder, substantial. 4w: no value, no follow-up.
due_exactly_112             P_A  2025-Q3  112  4/4
    0:6 84:3
# observed 111 < 112: NOT yet due at 12w although it holds a day-84 value (drop 6 of 8 would
# be a responder): in no 12w count. 4w (111 >= 35): due; day 28 = 4, drop 4 = 50 %:
# responder, substantial.
not_due_111_with_value      P_A  2025-Q4  111  4/4
    0:8 28:4 84:2
# observed 60: not yet due at 12w (without the rule it would be lost to follow-up). 4w: due;
# day 28 = 7 = baseline: not a responder.
not_due_60_no_value         P_A  2025-Q4  60   4/4
    0:7 28:7
# observed 20: not yet due at 12w nor at 4w (20 < 35)
not_due_at_4w_either        P_A  2025-Q4  20   3/4
    0:6
# observed_days empty: counts as due. 12w: baseline 6, day 84 = 4, drop 2 = 33 %: responder,
# not substantial. 4w: no value, no follow-up.
empty_observed_days         P_B  2024-Q2  -    4/4
    0:6 84:4
# observed 150: due. 12w: baseline 6, day 84 = 5, drop 1: not a responder. 4w: no value.
due_non_responder           P_B  2025-Q3  150  4/4
    0:6 84:5
# observed 300: due; baseline 2 < 3: low baseline at both windows
due_low_baseline            P_B  2025-Q1  300  4/4
    0:2 84:1
# observed 500: due; no value on or before day 0: no baseline at both windows
due_no_baseline             P_B  2024-Q3  500  4/4
    84:3
# observed 50: not yet due at 12w, so counted there as not yet due, not as low baseline; 4w:
# due, low baseline
not_due_low_baseline        P_B  2025-Q4  50   4/4
    0:2 28:2
# observed 90: not yet due at 12w (not counted as no baseline there); 4w: due, no baseline
not_due_no_baseline         P_B  2025-Q4  90   4/4
    28:4 84:3
# observed exactly 35 = the 4w window's last day: due at 4w, not yet due at 12w. 4w: baseline
# 8, day 35 = 5 (the only value in day 21..35), drop 3 = 37.5 %: responder, not substantial.
due_at_4w_exactly_35        P_B  2025-Q4  35   3/4
    0:8 35:5
"""


def _course(columns: list[str], nrs: NRS, more: dict[str, str]) -> DueCourse:
    name, provider, start, observed, sessions = columns
    year, _, quarter = start.partition("-Q")
    completed, planned = (int(n) for n in sessions.split("/"))
    return DueCourse(
        name,
        provider,
        int(year),
        int(quarter),
        "" if observed == "-" else observed,
        planned,
        completed,
        nrs,
        **more,
    )


COURSES = tuple(_course(*course) for course in course_table(_COURSE_TABLE))

# The counts of a responder-rate row: n_courses, then those Overview shows (no baseline, low
# baseline, eligible, follow-up, responders, substantial, not yet due).
COUNT_COLUMNS = ("n_courses", *OUTCOME_COUNTS)
# window -> provider -> counts in COUNT_COLUMNS order, from the comments above:
# 12w P_A: not yet due 111, 60, 20 (3); eligible due_responder, due_no_followup,
#     due_exactly_112 (3), 2 with follow-up, both responders and substantial.
# 12w P_B: not yet due 50, 90, 35 (3); no baseline due_no_baseline; low due_low_baseline;
#     eligible empty_observed_days, due_non_responder (2), both with follow-up, 1 responder
#     (empty_observed_days, drop 33 %: not substantial).
# 4w P_A: not yet due 20 (1); eligible the other 5; follow-up due_responder, due_no_followup,
#     not_due_111_with_value, not_due_60_no_value (4); responder (and substantial)
#     not_due_111_with_value only.
# 4w P_B: nothing not yet due (35 is not < 35); no baseline due_no_baseline,
#     not_due_no_baseline; low due_low_baseline, not_due_low_baseline; eligible
#     empty_observed_days, due_non_responder, due_at_4w_exactly_35 (3); follow-up and
#     responder due_at_4w_exactly_35 only (37.5 %: not substantial).
EXPECTED_COUNTS: dict[str, dict[str, tuple[int, ...]]] = {
    "12w": {
        "P_A": (6, 0, 0, 3, 2, 2, 2, 3),
        "P_B": (7, 1, 1, 2, 2, 1, 0, 3),
    },
    "4w": {
        "P_A": (6, 0, 0, 5, 4, 1, 1, 1),
        "P_B": (7, 2, 2, 3, 1, 1, 0, 0),
    },
}
# The 12w quarterly p-charts: period -> (n_courses, n_eligible, n_followup, n_responders,
# n_not_yet_due). 2025-Q2 has no course (n = 0); every 2025-Q4 course is not yet due, so it
# has no denominator at all (without the rule it would show 4 eligible courses, 1 with
# follow-up: the dip of issue 9).
EXPECTED_QUARTERS: dict[str, tuple[int, int, int, int, int]] = {
    "2024-Q2": (1, 1, 1, 1, 0),  # empty_observed_days
    "2024-Q3": (1, 0, 0, 0, 0),  # due_no_baseline
    "2024-Q4": (1, 1, 1, 1, 0),  # due_responder
    "2025-Q1": (1, 0, 0, 0, 0),  # due_low_baseline
    "2025-Q2": (0, 0, 0, 0, 0),
    "2025-Q3": (3, 3, 2, 1, 0),  # due_no_followup, due_exactly_112, due_non_responder
    "2025-Q4": (6, 0, 0, 0, 6),
}


def rows() -> dict[str, list[dict[str, str]]]:
    """The fixture as contract rows of text (no adverse events)."""
    return fixture_clinic.rows(courses=COURSES, adverse_events=())


def write(folder: Path) -> Path:
    """Write the fixture as the four contract CSV files (``observed_days`` included)."""
    return fixture_clinic.write(folder, rows())
