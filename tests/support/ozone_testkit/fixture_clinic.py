"""A tiny hand-built clinic whose courses are named after the edge they exercise.

Known answers (methods.md section 1, primary window day 56..112) are worked out by hand in
``EXPECTED_*`` below, course by course, so a test failure points at one definition.

The courses are written as a table (``course_table``), and their contract rows come from
``course_row`` and ``rows``; fixture_timeline.py writes its clinic with the same helpers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

from queries.data.contract import COURSES as COURSES_FILE
from queries.data.contract import FILES

NRS = tuple[tuple[int, float], ...]  # (day, score) NRS pain values


@dataclass(frozen=True)
class FixtureCourse:
    course_id: str
    provider_id: str
    site_id: str
    start_year: int
    severity_scale: str
    severity_grade: str
    planned_sessions: int
    n_sessions: int
    rehab: str
    nrs: NRS
    end_stage: str = ""
    indication: str = "knee_oa"
    route: str = "intra_articular"


def course_table(table: str) -> list[tuple[list[str], NRS, dict[str, str]]]:
    """The courses of a fixture written as a text table: (columns, NRS values, other columns)
    per course. A course is a line of whitespace-separated columns, then indented lines of its
    NRS pain values (``day:score``) and of any other column (``column=value``); lines starting
    with ``#`` are the hand-worked reading, blank lines are left out."""
    courses: list[tuple[list[str], list[tuple[int, float]], dict[str, str]]] = []
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            courses.append((line.split(), [], {}))
            continue
        _, nrs, more = courses[-1]
        for token in line.split():
            if "=" in token:
                column, _, value = token.partition("=")
                more[column] = value
            else:
                day, _, score = token.partition(":")
                nrs.append((int(day), float(score)))
    return [(columns, tuple(nrs), more) for columns, nrs, more in courses]


# One course a line: course_id, provider, site, start_year, severity_scale:severity_grade,
# sessions completed/planned, rehab; then, indented, its NRS pain values and other columns.
_COURSE_TABLE = """
# baseline 8; 80 and 88 are both 4 days from 84: the later (88, score 4) wins -> drop 4 =
# 50 %: responder and substantial. The earlier (score 6) would be a non-responder.
tie_in_window                 P_A     S1  2023  kl:3                4/4  supervised_pt
    0:8 80:6 88:4
# two baselines: day -14 (3) and day 0 (6); the latest (6) counts -> drop 2 = 33 %: responder
second_older_baseline         P_A     S1  2023  kl:3                4/4  supervised_pt
    -14:3 0:6 84:4
# baseline 2 < 3: not eligible, counted as "low baseline"
low_baseline                  P_A     S1  2023  kl:2                3/3  none
    0:2 84:1
# no value on or before day 0: "no baseline"
no_baseline                   P_A     S1  2023  kl:2                3/3  none
    84:3
# eligible, but nothing in day 56..112: lost to follow-up (ITT non-responder)
no_followup                   P_A     S1  2023  kl:3                2/4  home_program
    0:7 30:5
# KL 1 -> severity none; 4 sessions of 3 planned -> full_protocol; no change
kl_1_is_none_beyond_plan      P_A     S1  2023  kl:1                4/3  supervised_pt
    -3:4 84:4
# zero sessions -> not_started; eligible with follow-up, no change
zero_sessions                 P_B     S2  2024  kl:3                0/3  none
    0:6 84:6
# severity scale none -> unknown; drop 2 of 5 = 40 %: responder, not substantial
unknown_severity              P_B     S2  2024  none:               3/3  home_program
    0:5 84:3
# KL 4 without end_stage -> severe; 1 of 4 sessions -> one_and_done; drop 3 of 10 = exactly
# 30 %: responder (the boundary is inclusive)
exact_30_percent              P_B     S2  2024  kl:4                1/4  none
    0:10 84:7  end_stage=false
# KL 4 with end_stage true -> end_stage; drop 2 of 9 = 22 %: not a responder. NRS 10 on
# day 3 (baseline + 1) is an early flare, and 1 of 4 sessions: quit after the flare
drop_2_under_30_percent       P_B     S2  2024  kl:4                1/4  none
    0:9 3:10 84:7  end_stage=true
# Pfirrmann V -> end_stage; planned 1, 1 session -> full_protocol (checked before
# one_and_done); value on day 112 is inside the window, day 113 is not: drop 4 of 6
window_last_day_112           P_B     S2  2024  pfirrmann:V         1/1  supervised_pt
    0:6 112:2 113:9  indication=lumbar_disc_herniation route=paravertebral
# clinician moderate; only value at day 55, just outside the window: no follow-up
window_outside_day_55         P_SMALL S1  2024  clinician:moderate  2/5  none
    0:6 55:1
# clinician severe; two values on day 84 (3 and 5) are averaged to 4: drop 2 of 6 = 33 %
# -> responder, not substantial (3 alone would be substantial, 5 alone not a responder)
same_day_duplicate_followup   P_SMALL S1  2024  clinician:severe    3/3  home_program
    0:6 84:3 84:5
"""


def _course(columns: list[str], nrs: NRS, more: dict[str, str]) -> FixtureCourse:
    """A course of the table above."""
    name, provider, site, year, severity, sessions, rehab = columns
    scale, grade = severity.split(":")
    completed, planned = (int(n) for n in sessions.split("/"))
    return FixtureCourse(
        name, provider, site, int(year), scale, grade, planned, completed, rehab, nrs, **more
    )


COURSES = tuple(_course(*course) for course in course_table(_COURSE_TABLE))

ADVERSE_EVENTS = (
    ("tie_in_window", "1", "1", "post_injection_flare", "mild"),
    ("drop_2_under_30_percent", "1", "2", "infection", "serious"),
    ("kl_1_is_none_beyond_plan", "2", "8", "swelling", "moderate"),
)

RATE_COLUMNS = ("n_courses", "n_eligible", "n_followup", "n_responders")
# group -> (n_courses, n_eligible, n_followup, n_responders), worked out from the comments above
EXPECTED_COUNTS: dict[str, dict[str, tuple[int, int, int, int]]] = {
    "severity": {
        "none": (1, 1, 1, 0),
        "mild": (2, 0, 0, 0),
        "moderate": (5, 5, 3, 2),
        "severe": (2, 2, 2, 2),
        "end_stage": (2, 2, 2, 1),
        "unknown": (1, 1, 1, 1),
    },
    "adherence": {
        "not_started": (1, 1, 1, 0),
        "one_and_done": (2, 2, 2, 1),
        "partial": (2, 2, 0, 0),
        "full_protocol": (8, 6, 6, 5),
    },
    "rehab": {
        "none": (6, 4, 3, 1),
        "home_program": (3, 3, 2, 2),
        "supervised_pt": (4, 4, 4, 3),
    },
    "provider": {
        "P_A": (6, 4, 3, 2),
        "P_B": (5, 5, 5, 3),
        "P_SMALL": (2, 2, 1, 1),
    },
}
EXPECTED_TOTAL = {
    "n_courses": 13,
    "n_no_baseline": 1,
    "n_low_baseline": 1,
    "n_eligible": 11,
    "n_followup": 9,
    "n_responders": 6,
    "n_substantial_responders": 2,
    "n_sessions": 31,
    "n_adverse_events": 3,
    "n_serious_adverse_events": 1,
}


# The columns of a fixture course that its fields leave out: the usual course, a woman of
# 50-59 with knee OA for a year, no lifestyle support, realistic expectations, screened and
# G6PD tested, given intra-articularly at site S1.
USUAL_COURSE = {
    "site_id": "S1",
    "start_quarter": "",
    "age_band": "50-59",
    "sex": "female",
    "indication": "knee_oa",
    "route": "intra_articular",
    "end_stage": "",
    "symptom_months": "12",
    "lifestyle_support": "false",
    "expectations": "realistic",
    "contraindication": "none",
    "g6pd_tested": "true",
    "overtraining_reported": "",
    "early_antioxidants_reported": "",
    "escalated_day": "",
    "course_price": "",
}


def course_row(course, **columns: str) -> dict[str, str]:
    """The courses row of a fixture course, in contract order: ``columns``, else the course's
    fields named like a contract column, else the usual course (patient ``pt_<course_id>``)."""
    own = {f.name: str(getattr(course, f.name)) for f in fields(course)}
    values = {**USUAL_COURSE, "patient_id": f"pt_{course.course_id}", **own, **columns}
    return {name: values[name] for name in COURSES_FILE.column_names if name in values}


def rows(
    courses=COURSES, adverse_events=ADVERSE_EVENTS, course_row=course_row
) -> dict[str, list[dict[str, str]]]:
    """A fixture as rows of text, keyed by contract file name: weekly sessions from day 0 and
    the NRS values of each course (fixture_timeline.py reuses this with its courses)."""
    out: dict[str, list[dict[str, str]]] = {f.name: [] for f in FILES}
    for c in courses:
        out["courses"].append(course_row(c))
        for k in range(c.n_sessions):
            out["sessions"].append(
                {
                    "course_id": c.course_id,
                    "session_number": str(k + 1),
                    "day": str(7 * k),
                    "concentration_ug_ml": "20",
                    "volume_ml": "10",
                }
            )
        for day, score in c.nrs:
            out["assessments"].append(
                {
                    "course_id": c.course_id,
                    "day": str(day),
                    "instrument": "nrs_pain",
                    "score": f"{score:g}",
                }
            )
    for course_id, session, day, event, seriousness in adverse_events:
        out["adverse_events"].append(
            {
                "course_id": course_id,
                "session_number": session,
                "day": day,
                "event": event,
                "seriousness": seriousness,
            }
        )
    return out


def write(folder: Path, data: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write the fixture (or a modified copy of its rows) as the four contract CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    data = rows() if data is None else data
    for spec in FILES:
        with (folder / f"{spec.name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(spec.column_names), lineterminator="\n")
            writer.writeheader()
            writer.writerows(data[spec.name])
    return folder
