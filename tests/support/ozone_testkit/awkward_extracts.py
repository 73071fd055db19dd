"""Awkward but contract-valid extracts (issue 9, point 1), each its own fixture.

Every extract here is the fixture clinic (ozone_testkit/fixture_clinic.py) transformed in one
way a real clinic's export can differ from the synthetic clinic, which fills every column:

- ``every_optional_column_empty``: every optional column of every file in the header, no value;
- ``every_optional_column_absent``: every optional column left out of the header altogether;
- ``one_provider``, ``one_site``, ``one_year``: every course given by P_A / at S1 / in 2023;
- ``no_adverse_events``: adverse_events.csv is a header and no rows;
- ``a_few_dozen_courses``: the 13 courses four times over (52), ids suffixed ``_1``.. ``_4``;
- ``no_severity_recorded``: severity_scale ``none``, severity_grade empty, on every course;
- ``no_followup_yet``: no assessment after day 0 (only baselines);
- ``symptom_months_never_recorded``: the column in the header, never a value (the real
  registry of issue 9, where ``casemix.design_spec`` took the median of an empty column).

``KNOWN`` holds what each one's whole-clinic counts must be, worked out from the fixture
clinic's hand-worked ``EXPECTED_TOTAL`` and ``EXPECTED_COUNTS`` and the transformation.
``NON_DATA_FILES`` are the files a clinic's folder may hold beside the four (listed and
ignored at load). ``load_all`` loads every extract into a database of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from ozone_testkit import fixture_clinic
from queries.data.contract import FILES
from queries.data.loading import load_folder

Rows = dict[str, list[dict[str, str]]]

COPIES = 4  # a_few_dozen_courses: the fixture clinic this many times over
# What a clinic's folder holds beside the four files (data-contract.md "Conventions").
NON_DATA_FILES = {
    "README.txt": "Extract of 2025-01-31 for the quality team.\n",
    "export.log": "2025-01-31 02:00 export started\n2025-01-31 02:01 export finished\n",
    ".deidentify-report.txt": "deidentify: 13 courses, key fingerprint 0000\n",
}


def optional_columns(file_name: str) -> list[str]:
    """The optional columns of one contract file (read from the contract, not listed here)."""
    spec = next(f for f in FILES if f.name == file_name)
    return [c.name for c in spec.columns if not c.required]


def _every_optional_column_empty(data: Rows) -> Rows:
    return {
        name: [{**row, **dict.fromkeys(optional_columns(name), "")} for row in table]
        for name, table in data.items()
    }


def _every_course(**columns: str) -> Callable[[Rows], Rows]:
    def change(data: Rows) -> Rows:
        return {**data, "courses": [{**row, **columns} for row in data["courses"]]}

    return change


def _no_adverse_events(data: Rows) -> Rows:
    return {**data, "adverse_events": []}


def _a_few_dozen_courses(data: Rows) -> Rows:
    def copy(row: dict[str, str], k: int) -> dict[str, str]:
        out = {**row, "course_id": f"{row['course_id']}_{k}"}
        if "patient_id" in row:
            out["patient_id"] = f"{row['patient_id']}_{k}"
        return out

    return {
        name: [copy(row, k) for k in range(1, COPIES + 1) for row in table]
        for name, table in data.items()
    }


def _no_followup_yet(data: Rows) -> Rows:
    baselines = [row for row in data["assessments"] if int(row["day"]) <= 0]
    return {**data, "assessments": baselines}


# name -> (transformation of the fixture clinic's rows, columns left out of each file's header)
EXTRACTS: dict[str, tuple[Callable[[Rows], Rows], dict[str, list[str]]]] = {
    "every_optional_column_empty": (_every_optional_column_empty, {}),
    "every_optional_column_absent": (
        lambda data: data,
        {f.name: optional_columns(f.name) for f in FILES},
    ),
    "one_provider": (_every_course(provider_id="P_A"), {}),
    "one_site": (_every_course(site_id="S1"), {}),
    "one_year": (_every_course(start_year="2023"), {}),
    "no_adverse_events": (_no_adverse_events, {}),
    "a_few_dozen_courses": (_a_few_dozen_courses, {}),
    "no_severity_recorded": (_every_course(severity_scale="none", severity_grade=""), {}),
    "no_followup_yet": (_no_followup_yet, {}),
    "symptom_months_never_recorded": (_every_course(symptom_months=""), {}),
}
NAMES = tuple(EXTRACTS)

_TOTAL = fixture_clinic.EXPECTED_TOTAL
_CLINIC = tuple(_TOTAL[k] for k in fixture_clinic.RATE_COLUMNS)  # (13, 11, 9, 6)
# Whole-clinic (n_courses, n_eligible, n_followup, n_responders) of each extract, and the
# number of adverse events: the fixture clinic's hand-worked totals, transformed.
KNOWN: dict[str, tuple[tuple[int, int, int, int], int]] = dict.fromkeys(
    NAMES, (_CLINIC, _TOTAL["n_adverse_events"])
)
KNOWN["no_adverse_events"] = (_CLINIC, 0)
KNOWN["a_few_dozen_courses"] = (
    tuple(COPIES * n for n in _CLINIC),  # (52, 44, 36, 24)
    COPIES * _TOTAL["n_adverse_events"],
)
# Only baselines: the same eligibility (baseline >= 3), nobody with follow-up.
KNOWN["no_followup_yet"] = ((_TOTAL["n_courses"], _TOTAL["n_eligible"], 0, 0), 3)


def rows(name: str) -> Rows:
    """The contract rows of one awkward extract (text, keyed by file name)."""
    change, _ = EXTRACTS[name]
    return change(fixture_clinic.rows())


def write(name: str, folder: Path, extra_files: dict[str, str] | None = None) -> Path:
    """Write one awkward extract as the four contract CSV files (its left-out columns not in
    the header), plus ``extra_files`` (name -> text) beside them; returns the folder."""
    _, left_out = EXTRACTS[name]
    data = rows(name)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in FILES:
        names = [c for c in spec.column_names if c not in left_out.get(spec.name, [])]
        with (folder / f"{spec.name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(
                fh, fieldnames=names, extrasaction="ignore", lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(data[spec.name])
    for file_name, text in (extra_files or {}).items():
        (folder / file_name).write_text(text, encoding="utf-8")
    return folder


def load_all(tmp: Path) -> dict[str, Path]:
    """Every awkward extract written under ``tmp`` and loaded through the real loader into a
    database of its own; name -> database path."""
    paths = {}
    for name in NAMES:
        paths[name] = tmp / f"{name}.duckdb"
        load_folder(write(name, tmp / name), paths[name])
    return paths
