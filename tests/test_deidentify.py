"""deidentify turns a raw clinic export into contract files (data-contract.md, "Raw clinic
export"); raw_export_reason recognises a raw export handed to the loader.

The raw export is the fixture clinic as its own system would export it
(ozone_testkit/raw_clinic.py: names, dates of birth, MRNs, SSNs, phones, emails, addresses, ZIP
codes, calendar dates); the expected outcomes are those of the same clinic de-identified by hand
(``raw_clinic.expected_rows``), loaded through the real loader.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ozone_testkit import fixture_clinic, raw_clinic
from queries.analytics import rates
from queries.analytics.query import Query
from queries.data import db
from queries.data.contract import FILES
from queries.data.deidentify import REPORT_NAME, OutputFolderError, deidentify
from queries.data.loading import load_folder
from queries.data.pseudonyms import KeyFileError, PseudonymKey, key_fingerprint
from queries.data.raw_export import RawExportError, raw_export_reason

KEY = "correct horse battery staple, 32+ characters long"
OTHER_KEY = "a different clinic secret of enough characters"
GROUPINGS = ("severity", "adherence", "rehab", "provider")


def _key_file(folder: Path, secret: str = KEY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clinic.key"
    path.write_text(secret + "\n")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return raw_clinic.write_raw(tmp_path_factory.mktemp("raw") / "export")


@pytest.fixture(scope="module")
def deidentified(raw, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("deidentified")
    deidentify(raw, tmp / "out", _key_file(tmp / "secrets"))
    return tmp / "out"


@pytest.fixture(scope="module")
def databases(deidentified, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("dbs")
    by_hand = fixture_clinic.write(tmp / "by_hand", raw_clinic.expected_rows())
    load_folder(by_hand, tmp / "by_hand.duckdb")
    load_folder(deidentified, tmp / "deidentified.duckdb")
    return {"by_hand": tmp / "by_hand.duckdb", "deidentified": tmp / "deidentified.duckdb"}


def _course(folder: Path, raw_id: str, key: str = KEY) -> dict[str, str]:
    """The de-identified course row of a raw course id (found by its pseudonym)."""
    secret = key.encode()
    pseudonym = PseudonymKey(secret, key_fingerprint(secret)).pseudonym("course_id", raw_id)
    return next(r for r in _read(folder / "courses.csv") if r["course_id"] == pseudonym)


def test_the_result_loads_and_has_the_contract_columns_in_order(deidentified, databases):
    for spec in FILES:
        with (deidentified / f"{spec.name}.csv").open(encoding="utf-8") as fh:
            assert fh.readline().strip().split(",") == list(spec.column_names)
    con = db.connect(databases["deidentified"])
    try:
        assert rates.overview(Query(con)).n_courses == len(fixture_clinic.COURSES)
    finally:
        con.close()


def test_no_raw_identifier_value_is_anywhere_in_the_output(deidentified):
    written = {p.name: p.read_bytes() for p in deidentified.iterdir()}
    assert set(written) == {f"{spec.name}.csv" for spec in FILES} | {REPORT_NAME}
    for value in sorted(raw_clinic.raw_identifier_values()):
        leaks = [name for name, data in written.items() if value.encode() in data]
        assert leaks == [], f"raw value {value!r} found in {leaks}"


def test_outcomes_equal_those_of_the_clinic_deidentified_by_hand(databases):
    cons = {name: db.connect(path) for name, path in databases.items()}
    try:
        for by in GROUPINGS:
            pd.testing.assert_frame_equal(
                rates.responder_rates(Query(cons["deidentified"]), by),
                rates.responder_rates(Query(cons["by_hand"]), by),
            )
        assert rates.overview(Query(cons["deidentified"])) == rates.overview(Query(cons["by_hand"]))
        total = rates.responder_rates(Query(cons["deidentified"]), "all")
        assert int(total["n_responders"].sum()) == fixture_clinic.EXPECTED_TOTAL["n_responders"]
    finally:
        for con in cons.values():
            con.close()


def test_dates_ages_and_ids_become_what_the_contract_says(deidentified):
    # tie_in_window: first session 2023-02-01 (course 0), age 93 -> 90+ (Safe Harbor)
    tie = _course(deidentified, raw_clinic.raw_course_id("tie_in_window"))
    assert (tie["start_year"], tie["start_quarter"], tie["age_band"]) == ("2023", "", "90+")
    # second_older_baseline is the same patient's second course: same patient pseudonym
    second = _course(deidentified, raw_clinic.raw_course_id("second_older_baseline"))
    assert second["patient_id"] == tie["patient_id"] and second["patient_id"].startswith("p_")
    assert tie["course_id"].startswith("c_") and tie["course_id"] != second["course_id"]
    # exact_30_percent: escalation_date 200 days after its first session
    assert (
        _course(deidentified, raw_clinic.raw_course_id("exact_30_percent"))["escalated_day"]
        == "200"
    )
    # 89 stays 80-89, 18 is 18-29
    assert _course(deidentified, raw_clinic.raw_course_id("zero_sessions"))["age_band"] == "80-89"
    days = [
        r["day"]
        for r in _read(deidentified / "assessments.csv")
        if r["course_id"] == second["course_id"]
    ]
    assert days == ["-14", "0", "84"]  # baseline 14 days before the first session


def test_quarter_and_observed_days_only_when_asked(raw, tmp_path):
    out = tmp_path / "out"
    deidentify(
        raw, out, _key_file(tmp_path / "k"), keep_quarter=True, extract_date=date(2025, 6, 30)
    )
    # window_last_day_112 is course 10: 2024-02-01 + 10 weeks = 2024-04-11 -> quarter 2;
    # 2025-06-30 - 2024-04-11 = 445 days
    row = _course(out, raw_clinic.raw_course_id("window_last_day_112"))
    assert (row["start_year"], row["start_quarter"], row["observed_days"]) == ("2024", "2", "445")
    load_folder(out, tmp_path / "db.duckdb")


def test_the_same_key_gives_the_same_pseudonyms_another_key_others(raw, deidentified, tmp_path):
    deidentify(raw, tmp_path / "again", _key_file(tmp_path / "same"))
    deidentify(raw, tmp_path / "other", _key_file(tmp_path / "other_key", OTHER_KEY))
    for spec in FILES:
        name = f"{spec.name}.csv"
        assert (tmp_path / "again" / name).read_bytes() == (deidentified / name).read_bytes()
    ids = {
        folder: {r["course_id"] for r in _read(folder / "courses.csv")}
        for folder in (deidentified, tmp_path / "other")
    }
    assert ids[deidentified].isdisjoint(ids[tmp_path / "other"])


def test_a_parquet_export_with_date_columns_gives_the_same_files(raw, deidentified, tmp_path):
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    for spec in FILES:
        frame = pd.read_csv(raw / f"{spec.name}.csv", dtype=str, keep_default_na=False)
        for column in frame.columns:
            if column.endswith("_date") and column != "escalation_date":
                frame[column] = pd.to_datetime(frame[column]).dt.date  # a Parquet date32
        frame.to_parquet(parquet / f"{spec.name}.parquet", index=False)
    deidentify(parquet, tmp_path / "out", _key_file(tmp_path / "k"))
    for spec in FILES:
        name = f"{spec.name}.csv"
        assert (tmp_path / "out" / name).read_bytes() == (deidentified / name).read_bytes()


def test_the_report_names_what_was_removed_and_the_key_fingerprint(deidentified):
    text = (deidentified / REPORT_NAME).read_text()
    assert key_fingerprint(KEY.encode()) in text and KEY not in text
    for column in (
        *raw_clinic.IDENTIFIER_COLUMNS,
        raw_clinic.EXTRA_COLUMN,
        "first_session_date",
        "age",
        "session_date",
        "assessment_date",
        "event_date",
    ):
        assert f"column {column}:" in text
    assert f"courses.csv, column patient_name: {len(fixture_clinic.COURSES)} value(s)" in text


def test_raw_export_reason_recognises_the_raw_export_and_accepts_the_result(
    raw, deidentified, tmp_path
):
    reason = raw_export_reason(raw)
    assert reason is not None and "deidentify" in reason and "patient_name" in reason
    assert raw_export_reason(deidentified) is None
    assert raw_export_reason(fixture_clinic.write(tmp_path / "fixture")) is None


@pytest.mark.parametrize(
    ("column", "value", "what"),
    [
        ("site_id", "front.desk@clinic.example", "an email address"),
        ("provider_id", "555-010-4477", "a phone number"),
        ("site_id", "078-05-1120", "a social security number"),
        ("provider_id", "03/04/1961", "a full calendar date"),
    ],
)
def test_raw_export_reason_finds_identifier_values_without_showing_them(
    tmp_path, column, value, what
):
    rows = fixture_clinic.rows()
    rows["courses"][3][column] = value
    reason = raw_export_reason(fixture_clinic.write(tmp_path / "extract", rows))
    assert reason is not None and f"column {column}: 1 value(s) look like {what}" in reason
    assert value not in reason


def test_a_provider_code_that_is_an_email_is_refused(tmp_path):
    rows = raw_clinic.raw_rows()
    rows["courses"][2]["provider_id"] = "dr.lee@clinic.example"  # line 5: see the address
    raw = raw_clinic.write_raw(tmp_path / "raw", rows)
    with pytest.raises(RawExportError) as caught:
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))
    message = str(caught.value)
    assert "courses.csv line 5, column provider_id: looks like an email address" in message
    assert "dr.lee" not in message and not (tmp_path / "out").exists()


def test_bad_dates_and_ages_are_named_by_file_line_and_column(tmp_path):
    rows = raw_clinic.raw_rows()
    rows["courses"][0]["first_session_date"] = "01/02/2023"
    rows["courses"][4]["age"] = "forty"
    rows["sessions"][5]["session_date"] = "2023-02-30"
    rows["assessments"][1]["assessment_date"] = ""
    rows["courses"][9]["course_id"] = rows["courses"][8]["course_id"]
    raw = raw_clinic.write_raw(tmp_path / "raw", rows)
    with pytest.raises(RawExportError) as caught:
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))
    message = str(caught.value)
    assert "courses.csv line 2, column first_session_date: not a date YYYY-MM-DD" in message
    # line 7: the first course's address holds a quoted newline
    assert "courses.csv line 7, column age: not an age in whole years from 18" in message
    assert "sessions.csv line 7, column session_date: not a date YYYY-MM-DD" in message
    assert "assessments.csv line 3, column assessment_date: empty, but a date" in message
    assert (
        "courses.csv line 12, column course_id: course_id must be unique; this id is "
        "already on line 11" in message
    )
    assert "01/02/2023" not in message and "forty" not in message
    assert not (tmp_path / "out").exists()


def test_an_older_export_without_the_optional_columns_converts(tmp_path):
    rows = raw_clinic.raw_rows()
    for row in rows["courses"]:
        for column in ("escalation_date", "course_price", "g6pd_tested", "severity_grade"):
            del row[column]
    raw = raw_clinic.write_raw(tmp_path / "raw", rows)
    deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))
    courses = _read(tmp_path / "out" / "courses.csv")
    assert {r["escalated_day"] for r in courses} == {r["course_price"] for r in courses} == {""}
    load_folder(tmp_path / "out", tmp_path / "db.duckdb")


def test_a_truncated_row_is_named(tmp_path):
    raw = raw_clinic.write_raw(tmp_path / "raw")
    sessions = raw / "sessions.csv"
    sessions.write_text(sessions.read_text() + "MRN4471000-01,9\n")
    expected = re.escape("sessions.csv line 33: this row has 2 fields, the header has 5")
    with pytest.raises(RawExportError, match=expected):
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))


def test_a_missing_raw_column_is_named(tmp_path):
    rows = raw_clinic.raw_rows()
    for row in rows["courses"]:
        del row["age"]
    raw = raw_clinic.write_raw(tmp_path / "raw", rows)
    expected = re.escape("courses.csv line 1, column age: required column")
    with pytest.raises(RawExportError, match=expected):
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))


def test_a_session_of_an_unknown_course_is_named(tmp_path):
    rows = raw_clinic.raw_rows()
    rows["sessions"][0]["course_id"] = "MRN9999999-01"
    raw = raw_clinic.write_raw(tmp_path / "raw", rows)
    expected = re.escape("sessions.csv line 2, column course_id: no course")
    with pytest.raises(RawExportError, match=expected):
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k"))


def test_a_short_key_is_refused(raw, tmp_path):
    with pytest.raises(KeyFileError, match="the key has 10 characters; use at least 32"):
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "k", "0123456789"))
    with pytest.raises(KeyFileError, match="no such file"):
        deidentify(raw, tmp_path / "out", tmp_path / "missing.key")


def test_output_folder_must_be_its_own_and_not_hold_the_key(raw, tmp_path):
    with pytest.raises(OutputFolderError, match="is RAW_DIR"):
        deidentify(raw, raw, _key_file(tmp_path / "k"))
    with pytest.raises(OutputFolderError, match="inside OUT_DIR"):
        deidentify(raw, tmp_path / "out", _key_file(tmp_path / "out"))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    with pytest.raises(OutputFolderError, match="holds other files"):
        deidentify(raw, tmp_path / "busy", _key_file(tmp_path / "k"))
