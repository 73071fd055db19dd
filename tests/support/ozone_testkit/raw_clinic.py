"""The fixture clinic as its own system would export it, before de-identification.

data-contract.md, "Raw clinic export": the clinic's own ids (built from the MRN), calendar
dates instead of ``day``, ``age`` instead of ``age_band``, ``escalation_date`` instead of
``escalated_day``, and every kind of direct identifier (names, dates of birth, MRNs, SSNs,
phone numbers, emails, addresses, ZIP codes) plus a column the contract does not know.

``expected_rows`` is the same clinic de-identified by hand: the fixture's contract rows with
the patient, age band and escalation day the raw values give, worked out course by course.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from ozone_testkit import fixture_clinic

# Every course is 55 years old except these (raw age -> contract band, by hand).
AGES = {
    "tie_in_window": (93, "90+"),
    "low_baseline": (90, "90+"),
    "zero_sessions": (89, "80-89"),
    "unknown_severity": (18, "18-29"),
}
DEFAULT_AGE = (55, "50-59")
# Escalated to surgery 200 days after the first session (escalation_date - first date).
ESCALATED = {"exact_30_percent": 200}
# Two courses of one patient: the second course uses the first course's patient id.
SAME_PATIENT = {"second_older_baseline": "tie_in_window"}
IDENTIFIER_COLUMNS = (
    "patient_name",
    "date_of_birth",
    "mrn",
    "ssn",
    "phone",
    "email",
    "address",
    "zip",
)
EXTRA_COLUMN = "insurance_plan"  # not in the contract, not identifier-like by name: dropped too
RAW_COURSE_COLUMNS = (
    "patient_name",
    "course_id",
    "patient_id",
    "mrn",
    "site_id",
    "provider_id",
    "first_session_date",
    "age",
    "date_of_birth",
    "sex",
    "indication",
    "route",
    "severity_scale",
    "severity_grade",
    "end_stage",
    "symptom_months",
    "planned_sessions",
    "rehab",
    "lifestyle_support",
    "expectations",
    "contraindication",
    "g6pd_tested",
    "overtraining_reported",
    "early_antioxidants_reported",
    "escalation_date",
    "course_price",
    "phone",
    "email",
    "address",
    "zip",
    "ssn",
    EXTRA_COLUMN,
)
DATE_COLUMN = {
    "sessions": "session_date",
    "assessments": "assessment_date",
    "adverse_events": "event_date",
}


def first_session(index: int, start_year: int) -> date:
    """Course ``index``'s first session: February 1st of its year plus ``index`` weeks (so
    the courses fall in different quarters)."""
    return date(start_year, 2, 1) + timedelta(weeks=index)


def _mrn(index: int) -> str:
    return f"MRN{4471000 + index}"


def raw_course_id(course_id: str) -> str:
    """The clinic's own id of a fixture course: the patient's MRN and a course number."""
    index = [c.course_id for c in fixture_clinic.COURSES].index(course_id)
    return f"{_mrn(index)}-01"


def _identifiers(index: int) -> dict[str, str]:
    return {
        "patient_name": f"Rosalind Quarterfield-{chr(65 + index)}",
        "date_of_birth": f"1958-0{1 + index % 9}-{10 + index:02d}",
        "mrn": _mrn(index),
        "ssn": f"078-05-{1120 + index}",
        "phone": f"(555) 010-{4400 + index}",
        "email": f"rosalind.q{index}@mail.example",
        # the first course's address spans two lines (a quoted newline: editor lines shift)
        "address": f"{120 + index} Juniper Lane" + ("\n" if index == 0 else ", ") + "Springfield",
        "zip": f"{97201 + index}",
        EXTRA_COLUMN: f"Acme Health PPO member {880100 + index}",
    }


def _raw_course(index: int, row: dict[str, str], firsts: dict[str, date]) -> dict[str, str]:
    course_id = row["course_id"]
    first = firsts[course_id]
    patient_of = SAME_PATIENT.get(course_id, course_id)
    escalated = ESCALATED.get(course_id)
    raw = {
        k: v
        for k, v in row.items()
        if k not in ("start_year", "start_quarter", "age_band", "escalated_day")
    }
    raw.update(_identifiers(index))
    raw.update(
        {
            "course_id": raw_course_id(course_id),
            "patient_id": _mrn([c.course_id for c in fixture_clinic.COURSES].index(patient_of)),
            "first_session_date": first.isoformat(),
            "age": str(AGES.get(course_id, DEFAULT_AGE)[0]),
            "escalation_date": (first + timedelta(days=escalated)).isoformat() if escalated else "",
        }
    )
    return {col: raw.get(col, "") for col in RAW_COURSE_COLUMNS}


def _dated(name: str, row: dict[str, str], firsts: dict[str, date]) -> dict[str, str]:
    dated = {k: v for k, v in row.items() if k != "day"}
    dated["course_id"] = raw_course_id(row["course_id"])
    dated[DATE_COLUMN[name]] = (
        firsts[row["course_id"]] + timedelta(days=int(row["day"]))
    ).isoformat()
    return dated


def raw_rows() -> dict[str, list[dict[str, str]]]:
    """The raw export's rows of text, keyed by file name."""
    rows = fixture_clinic.rows()
    firsts = {
        r["course_id"]: first_session(i, int(r["start_year"]))
        for i, r in enumerate(rows["courses"])
    }
    out = {"courses": [_raw_course(i, r, firsts) for i, r in enumerate(rows["courses"])]}
    for name in DATE_COLUMN:
        out[name] = [_dated(name, r, firsts) for r in rows[name]]
    return out


def write_raw(folder: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write the raw export (or a modified copy of its rows) as four CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = raw_rows() if rows is None else rows
    fields = {
        "courses": list(RAW_COURSE_COLUMNS),
        "sessions": [
            "course_id",
            "session_number",
            "session_date",
            "concentration_ug_ml",
            "volume_ml",
        ],
        "assessments": ["course_id", "assessment_date", "instrument", "score"],
        "adverse_events": ["course_id", "session_number", "event_date", "event", "seriousness"],
    }
    for name, columns in fields.items():
        present = [c for c in columns if not rows[name] or c in rows[name][0]]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=present, lineterminator="\n", extrasaction="ignore"
            )
            writer.writeheader()
            writer.writerows(rows[name])
    return folder


def raw_identifier_values(rows: dict[str, list[dict[str, str]]] | None = None) -> set[str]:
    """Every value that must not survive de-identification: the identifiers, the clinic's own
    ids and every calendar date."""
    rows = raw_rows() if rows is None else rows
    values = {
        r[c]
        for r in rows["courses"]
        for c in (
            *IDENTIFIER_COLUMNS,
            EXTRA_COLUMN,
            "course_id",
            "patient_id",
            "first_session_date",
            "escalation_date",
        )
    }
    values |= {r[col] for name, col in DATE_COLUMN.items() for r in rows[name]}
    return {v for v in values if v}


def expected_rows() -> dict[str, list[dict[str, str]]]:
    """The same clinic de-identified by hand: the fixture's contract rows with the age band
    of each raw age, the escalation day and one patient with two courses (the ids stay the
    fixture's: outcomes do not depend on them)."""
    rows = fixture_clinic.rows()
    patient = {r["course_id"]: r["patient_id"] for r in rows["courses"]}
    for row in rows["courses"]:
        row["patient_id"] = patient[SAME_PATIENT.get(row["course_id"], row["course_id"])]
        row["age_band"] = AGES.get(row["course_id"], DEFAULT_AGE)[1]
        escalated = ESCALATED.get(row["course_id"])
        row["escalated_day"] = str(escalated) if escalated else ""
    return rows
