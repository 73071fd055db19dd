"""A hand-built clinic for the CUSUM of queries/analytics/monitoring.py, every step worked out.

Every course has the same case mix (moderate severity, baseline NRS 6, a woman of 50-59 with
knee OA for a year, given intra-articularly), so the case-mix model is the intercept alone
and predicts the clinic's responder rate for every course: 18 responders of 36 courses with
follow-up, p = 0.5, so P(non-response) = 0.5 for each course. A responder's NRS falls to 3
at day 84 (a drop of 3 = 50 %), a non-responder's stays at 6.

Provider ``M_LONG`` has 24 courses, 3 a quarter from 2022 Q1 to 2023 Q3, then 2 in 2023 Q4
and one in 2023 with no quarter (last). Within a quarter, the course with the larger
``observed_days`` started earlier; one with no ``observed_days`` comes after those; the
course ids run the other way, and the file lists the courses in reverse, so only the start
order (queries/analytics/casemix_courses.py ``START_ORDER``) gives the sequence below.
``M_SHORT`` has 12 courses (10 responders): too few (under 20) for a CUSUM.

M_LONG in start order (R = responder, N = non-responder), with the Bernoulli CUSUM of
Steiner et al. 2000 for OR = 2: W = y·ln 2 - ln(1 + p) = 0.287682 for N and -0.405465 for R
(p = 0.5). Thresholds: queries.stats.cusum.calibrate_thresholds for 24 courses at p = 0.5
(seeded): alert 2.575588, alarm 4.027549.

    course  1-3  R  S = 0
            4-12 N  S = 0.287682·k: 0.287682 ... 2.589138 at course 12 >= 2.575588: alert
                    (the run-up began at course 4)
            13   R  2.183673
            14   N  2.471355
            15   N  2.759038: alert again (crossing from below)
            16-19 N 3.046720, 3.334402, 3.622084, 3.909766
            20   N  4.197448 >= 4.027549: alarm (run-up from course 4); then reset to 0
            21-24 R 0
"""

from __future__ import annotations

from pathlib import Path

from ozone_testkit import fixture_clinic
from ozone_testkit.fixture_clinic import FixtureCourse

SEQUENCE = "RRR" + "N" * 9 + "R" + "NN" + "NNNN" + "N" + "RRRR"  # M_LONG in start order
SHORT_SEQUENCE = "RRRRRNRRRRNR"  # M_SHORT: 10 responders, 2 non-responders
ALERT_THRESHOLD = 2.575588  # calibrate_thresholds(24 courses, p = 0.5), seeded
ALARM_THRESHOLD = 4.027549
EXPECTED_CUSUM = (
    [0.0] * 3
    + [round(0.287682 * k, 6) for k in range(1, 10)]
    + [2.183673, 2.471355, 2.759038, 3.046720, 3.334402, 3.622084, 3.909766, 4.197448]
    + [0.0] * 4
)
# (signal, course, period, onset course, onset period), 1-based courses in start order
EXPECTED_SIGNALS = [
    ("alert", 12, "2022 Q4", 4, "2022 Q2"),
    ("alert", 15, "2023 Q1", 4, "2022 Q2"),
    ("alarm", 20, "2023 Q3", 4, "2022 Q2"),
]
NRS = {"R": ((0, 6.0), (84, 3.0)), "N": ((0, 6.0), (84, 6.0))}
EXTRACT_DAY_OF_2022_Q1 = 1100  # observed_days of a course started at the start of 2022 Q1


def _long_courses() -> list[tuple[FixtureCourse, dict[str, str]]]:
    """M_LONG's courses with their start columns: 3 a quarter (the last one of each quarter
    without observed_days), ids falling as the start order rises."""
    out = []
    for k, outcome in enumerate(SEQUENCE):
        quarter_index, place = divmod(k, 3)
        year, quarter = 2022 + quarter_index // 4, quarter_index % 4 + 1
        days = EXTRACT_DAY_OF_2022_Q1 - 91 * quarter_index - 30 * place
        columns = {"start_quarter": str(quarter), "observed_days": str(days)}
        if place == 2:
            columns["observed_days"] = ""  # after the quarter's courses that have it
        if k == len(SEQUENCE) - 1:
            year, columns = 2023, {"start_quarter": "", "observed_days": ""}  # no quarter: last
        course = FixtureCourse(
            f"long_{99 - k:02d}", "M_LONG", "S1", year, "kl", "3", 4, 4, "none", NRS[outcome]
        )
        out.append((course, columns))
    return out


def _short_courses() -> list[tuple[FixtureCourse, dict[str, str]]]:
    return [
        (
            FixtureCourse(f"short_{k:02d}", "M_SHORT", "S1", 2023, "kl", "3", 4, 4, "none", NRS[o]),
            {"start_quarter": "2", "observed_days": "600"},
        )
        for k, o in enumerate(SHORT_SEQUENCE)
    ]


def write(folder: Path) -> Path:
    """The clinic as contract CSV files (M_LONG's courses in reverse start order)."""
    courses = list(reversed(_long_courses())) + _short_courses()
    extra = {c.course_id: columns for c, columns in courses}
    data = fixture_clinic.rows(
        courses=[c for c, _ in courses],
        adverse_events=(),
        course_row=lambda c: fixture_clinic.course_row(c, **extra[c.course_id]),
    )
    return fixture_clinic.write(folder, data)
