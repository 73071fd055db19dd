"""Bad input is refused with file, line, column and what was expected; nothing is lost.

Every rule of the data contract is broken once on a copy of the fixture clinic; each must be
refused (exit code 2) with a message naming the place, and the database file must be
byte-for-byte what it was before. What a load that succeeds does to the database:
tests/test_loading_database.py.
"""

import copy

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ozone_testkit import fixture_clinic
from ozone_testkit.extract_variants import as_parquet, load_fixture_clinic, sha
from queries.cli import main
from queries.data.reading import identifier_reason
from queries.data.validation import read_extract
from queries.data.violations import ContractViolation


@pytest.fixture()
def loaded(tmp_path):
    """A database holding the fixture clinic."""
    return load_fixture_clinic(tmp_path)


def line_of(file, course_id, nth=0):
    """Editor line (header = 1) of the nth row of a course in a fixture file."""
    rows = fixture_clinic.rows()[file]
    hits = [i for i, r in enumerate(rows) if r["course_id"] == course_id]
    return hits[nth] + 2


# (file, course_id, nth row of that course, column, bad value, words expected in the message)
BROKEN_RULES = [
    ("courses", "tie_in_window", 0, "course_id", "", "a value is required"),
    ("courses", "low_baseline", 0, "patient_id", "", "a value is required"),
    ("courses", "low_baseline", 0, "site_id", "", "a value is required"),
    ("courses", "low_baseline", 0, "provider_id", "", "a value is required"),
    ("courses", "low_baseline", 0, "start_year", "1999", "from 2000 to 2100"),
    ("courses", "low_baseline", 0, "start_year", "twenty", "a whole number"),
    ("courses", "low_baseline", 0, "start_quarter", "5", "from 1 to 4"),
    ("courses", "low_baseline", 0, "age_band", "91", "one of 18-29"),
    ("courses", "low_baseline", 0, "sex", "F", "female, male"),
    ("courses", "low_baseline", 0, "indication", "knee", "knee_oa"),
    ("courses", "low_baseline", 0, "route", "iv", "intra_articular"),
    ("courses", "low_baseline", 0, "severity_scale", "kellgren", "kl, pfirrmann"),
    ("courses", "low_baseline", 0, "severity_grade", "III", "not a grade of the kl scale"),
    ("courses", "unknown_severity", 0, "severity_grade", "2", "must be empty"),
    ("courses", "low_baseline", 0, "end_stage", "maybe", "true/false"),
    ("courses", "low_baseline", 0, "symptom_months", "601", "from 0 to 600"),
    ("courses", "low_baseline", 0, "planned_sessions", "0", "from 1 to 20"),
    ("courses", "low_baseline", 0, "planned_sessions", "", "a value is required"),
    ("courses", "low_baseline", 0, "rehab", "gym", "supervised_pt"),
    ("courses", "low_baseline", 0, "lifestyle_support", "", "a value is required"),
    ("courses", "low_baseline", 0, "lifestyle_support", "si", "true/false"),
    ("courses", "low_baseline", 0, "expectations", "high", "realistic"),
    ("courses", "low_baseline", 0, "contraindication", "g6pd", "g6pd_deficiency"),
    ("courses", "low_baseline", 0, "g6pd_tested", "2", "true/false"),
    ("courses", "low_baseline", 0, "overtraining_reported", "often", "true/false"),
    ("courses", "low_baseline", 0, "early_antioxidants_reported", "y", "true/false"),
    ("courses", "low_baseline", 0, "escalated_day", "3.5", "a whole number"),
    ("courses", "low_baseline", 0, "escalated_day", "-3", "a whole number >= 0"),
    ("courses", "low_baseline", 0, "course_price", "cheap", "a number"),
    ("sessions", "tie_in_window", 1, "course_id", "ghost", "no course with this course_id"),
    ("sessions", "tie_in_window", 1, "session_number", "0", ">= 1"),
    ("sessions", "tie_in_window", 2, "session_number", "2", "appears twice"),
    ("sessions", "tie_in_window", 3, "session_number", "5", "without gaps"),
    ("sessions", "tie_in_window", 0, "day", "3", "session 1 must be on day 0"),
    ("sessions", "tie_in_window", 2, "day", "7", "days must increase"),
    ("sessions", "tie_in_window", 1, "concentration_ug_ml", "81", "from 1 to 80"),
    ("sessions", "tie_in_window", 1, "volume_ml", "0.2", "from 0.5 to 300"),
    ("assessments", "tie_in_window", 1, "course_id", "ghost", "no course with this course_id"),
    ("assessments", "tie_in_window", 1, "day", "731", "from -60 to 730"),
    ("assessments", "tie_in_window", 1, "instrument", "vas", "nrs_pain"),
    ("assessments", "tie_in_window", 1, "score", "11", "out of range for nrs_pain"),
    ("assessments", "tie_in_window", 1, "score", "", "a value is required"),
    ("adverse_events", "tie_in_window", 0, "course_id", "ghost", "no course with this"),
    ("adverse_events", "tie_in_window", 0, "session_number", "0", ">= 1"),
    ("adverse_events", "tie_in_window", 0, "day", "-1", ">= 0"),
    ("adverse_events", "tie_in_window", 0, "event", "rash", "post_injection_flare"),
    ("adverse_events", "tie_in_window", 0, "seriousness", "severe", "mild, moderate, serious"),
]


@pytest.mark.parametrize(
    ("file", "course_id", "nth", "column", "value", "words"),
    BROKEN_RULES,
    ids=[f"{r[0]}.{r[3]}={r[4]!r}" for r in BROKEN_RULES],
)
def test_each_broken_rule_is_refused_with_its_place(
    tmp_path, loaded, capsys, file, course_id, nth, column, value, words
):
    data = copy.deepcopy(fixture_clinic.rows())
    index = [i for i, r in enumerate(data[file]) if r["course_id"] == course_id][nth]
    data[file][index][column] = value
    folder = fixture_clinic.write(tmp_path / "bad", data)
    before = sha(loaded)
    assert main(["load", str(folder), "--db", str(loaded)]) == 2
    err = capsys.readouterr().err
    line = line_of(file, course_id, nth)
    assert f"{file}.csv line {line}, column {column}: value '{value}'" in err, err
    assert words in err, err
    assert "nothing was loaded" in err
    assert sha(loaded) == before
    assert not list(loaded.parent.glob(".*loading*"))


def test_every_violation_is_reported_not_just_the_first(tmp_path):
    data = copy.deepcopy(fixture_clinic.rows())
    for row in data["courses"][:5]:
        row["age_band"] = "old"
    data["assessments"][3]["score"] = "-1"
    folder = fixture_clinic.write(tmp_path / "bad", data)
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    lines = [(v.file, v.line) for v in info.value.violations]
    assert lines == [("courses.csv", n) for n in range(2, 7)] + [("assessments.csv", 5)]


@pytest.mark.parametrize(
    "column",
    [
        "patient_name",
        "DOB",
        "mrn",
        "SSN",
        "phone_number",
        "email",
        "home_address",
        "zip",
        "visit_date",
    ],
)
def test_identifier_columns_are_refused(tmp_path, loaded, capsys, column):
    folder = fixture_clinic.write(tmp_path / "bad")
    path = folder / "courses.csv"
    lines = path.read_text().splitlines()
    lines = [lines[0] + f",{column}"] + [line + ",x" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n")
    before = sha(loaded)
    assert main(["load", str(folder), "--db", str(loaded)]) == 2
    err = capsys.readouterr().err
    assert f"courses.csv line 1, column {column}" in err
    assert "direct identifier" in err and "de-identify" in err
    assert sha(loaded) == before


def test_identifier_names_are_recognised_but_contract_names_are_not():
    for name in ("first_name", "Last Name", "date_of_birth", "zipcode", "admission_date"):
        assert identifier_reason(name), name
    for name in (
        "course_id",
        "patient_id",
        "site_id",
        "start_year",
        "day",
        "score",
        "indication",
        "severity_grade",
        "symptom_months",
    ):
        assert identifier_reason(name) is None, name


def test_full_date_values_are_refused(tmp_path):
    data = copy.deepcopy(fixture_clinic.rows())
    data["courses"][2]["patient_id"] = "1961-03-02"
    folder = fixture_clinic.write(tmp_path / "bad", data)
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert "courses.csv line 4, column patient_id: value '1961-03-02'" in str(info.value)
    assert "calendar date" in str(info.value)


def test_unexpected_and_missing_columns(tmp_path):
    folder = fixture_clinic.write(tmp_path / "bad")
    path = folder / "sessions.csv"
    text = path.read_text().replace("volume_ml", "volume")
    path.write_text(text)
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    msg = str(info.value)
    assert "sessions.csv line 1, column volume: unexpected column" in msg
    assert "sessions.csv line 1, column volume_ml: required column is missing" in msg


def test_truncated_file_is_refused(tmp_path, loaded, capsys):
    folder = fixture_clinic.write(tmp_path / "bad")
    path = folder / "assessments.csv"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 9])  # cut the last row mid-way
    n_lines = raw[: len(raw) - 9].count(b"\n") + 1
    before = sha(loaded)
    assert main(["load", str(folder), "--db", str(loaded)]) == 2
    err = capsys.readouterr().err
    assert f"assessments.csv line {n_lines}" in err and "truncated" in err
    assert sha(loaded) == before


def test_truncated_quoted_field_is_refused(tmp_path):
    folder = fixture_clinic.write(tmp_path / "bad")
    path = folder / "courses.csv"
    path.write_text(path.read_text() + 'x,"unterminated')
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert "truncated" in str(info.value)


def test_empty_folder_is_refused(tmp_path, loaded, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    before = sha(loaded)
    assert main(["load", str(empty), "--db", str(loaded)]) == 2
    assert "the folder is empty" in capsys.readouterr().err
    assert sha(loaded) == before


def test_missing_folder_is_refused(tmp_path, capsys):
    assert main(["load", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


def test_wrong_file_name_is_refused(tmp_path, loaded, capsys):
    folder = fixture_clinic.write(tmp_path / "bad")
    (folder / "courses.csv").rename(folder / "course.csv")
    before = sha(loaded)
    assert main(["load", str(folder), "--db", str(loaded)]) == 2
    err = capsys.readouterr().err
    assert "course.csv: unexpected file name" in err
    assert "courses.csv: required file is missing" in err
    assert sha(loaded) == before


def test_empty_file_and_header_only_file(tmp_path):
    folder = fixture_clinic.write(tmp_path / "bad")
    (folder / "sessions.csv").write_text("")
    header = (folder / "courses.csv").read_text().splitlines()[0]
    (folder / "courses.csv").write_text(header + "\n")
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    msg = str(info.value)
    assert "sessions.csv: the file is empty; expected a header row" in msg
    assert "courses.csv: the file has a header but no rows" in msg


def test_bad_parquet_names_the_row(tmp_path):
    folder = tmp_path / "parquet"
    folder.mkdir()
    extract = read_extract(fixture_clinic.write(tmp_path / "csv"))
    for name, table in extract.tables.items():
        frame = table.to_pandas()
        if name == "sessions":
            frame.loc[2, "volume_ml"] = 500.0
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), folder / f"{name}.parquet"
        )
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert "sessions.parquet row 3, column volume_ml: value '500'" in str(info.value)


def test_truncated_parquet_is_refused(tmp_path):
    folder = as_parquet(read_extract(fixture_clinic.write(tmp_path / "csv")), tmp_path / "parquet")
    raw = (folder / "courses.parquet").read_bytes()
    (folder / "courses.parquet").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert "courses.parquet: the file cannot be read as Parquet" in str(info.value)


def test_line_numbers_count_quoted_newlines_and_blank_lines(tmp_path):
    """Lines are what an editor shows, even when a quoted cell spans two lines."""
    folder = fixture_clinic.write(tmp_path / "bad")
    path = folder / "courses.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",S1,", ',"S1\nnorth",', 1)  # row 1 now spans lines 2-3
    lines.insert(3, "")  # a blank line 5 (after the split)
    lines[4] = lines[4].replace("50-59", "91")  # the 3rd data row, now on line 6
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert [str(v) for v in info.value.violations] == [
        "courses.csv line 6, column age_band: value '91' — not allowed here (use one of "
        "18-29, 30-39, 40-49, 50-59, 60-69, 70-79, 80-89, 90+)"
    ]
