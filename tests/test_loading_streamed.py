"""The loader's fast path (issue 10, item 1: queries/data/streaming.py): a CSV extract read,
typed and checked inside DuckDB. It may only accept what the careful path (reading.py +
validation.py, and raw_export.py's refusal) accepts, typed the same way; everything else goes
to the careful path, whose messages are the ones users see."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ozone_testkit import fixture_clinic
from queries.core.settings import Settings
from queries.data import db, loading, streaming
from queries.data.contract import FILES
from queries.data.new_file import open_new
from queries.data.raw_export import raw_export_reason
from queries.data.validation import read_extract
from queries.data.violations import ContractViolation

TABLES = [spec.name for spec in FILES]


def table(path: Path, name: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = con.execute(f"from {name}").df()
    finally:
        con.close()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def careful_tables(folder: Path, tmp: Path) -> dict[str, pd.DataFrame]:
    """What the careful path writes for ``folder`` (read_extract, then the insert)."""
    extract = read_extract(folder)
    path = tmp / "careful.duckdb"
    path.unlink(missing_ok=True)
    con = open_new(path, Settings())
    try:
        for name in TABLES:
            con.register(f"incoming_{name}", extract.tables[name])
        db.execute_script(con, "meta/insert_extract")
        return {name: con.execute(f"from {name}").df() for name in TABLES}
    finally:
        con.close()


def streamed(folder: Path, tmp: Path) -> dict[str, pd.DataFrame] | None:
    """What the fast path writes for ``folder`` (None when it hands over to the careful path)."""
    found = streaming.scan(folder)
    if found is None:
        return None
    path = tmp / "streamed.duckdb"
    path.unlink(missing_ok=True)
    con = open_new(path, Settings())
    try:
        streaming.stream_into(con, found)
        return {name: con.execute(f"from {name}").df() for name in TABLES}
    except streaming.NotStreamable:
        return None
    finally:
        con.close()


def careful_accepts(folder: Path) -> bool:
    try:
        read_extract(folder)
    except ContractViolation:
        return False
    return raw_export_reason(folder) is None


def test_a_plain_extract_is_loaded_by_the_fast_path_alone(tmp_path, monkeypatch):
    def careful(_folder):
        raise AssertionError("the careful path was taken")

    monkeypatch.setattr(loading, "read_extract", careful)
    report = loading.load_folder(fixture_clinic.write(tmp_path / "x"), tmp_path / "o.duckdb")
    assert report.rows["courses"] == len(fixture_clinic.rows()["courses"])


def test_both_paths_write_the_same_tables_and_marts(tmp_path, monkeypatch):
    folder = fixture_clinic.write(tmp_path / "x")
    fast = loading.load_folder(folder, tmp_path / "fast.duckdb")
    monkeypatch.setattr(loading, "begin_scan", lambda _folder: None)  # the careful path only
    careful = loading.load_folder(folder, tmp_path / "careful.duckdb")
    assert fast.rows == careful.rows
    for name in [*TABLES, "assessment_duplicates", "course_outcomes", "course_facts"]:
        pd.testing.assert_frame_equal(
            table(tmp_path / "fast.duckdb", name), table(tmp_path / "careful.duckdb", name)
        )


def cells(column: pd.Series) -> list:
    """A column's values comparable across readers: None for a missing value, numbers as
    floats (an integer column may come back as float where it has a missing value)."""
    out = []
    for value in column.tolist():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(None)
        elif isinstance(value, bool | str):
            out.append(value)
        else:
            out.append(float(value))
    return out


def with_value(tmp: Path, file: str, column: str, value: str, label: str) -> Path:
    data = copy.deepcopy(fixture_clinic.rows())
    data[file][0][column] = value
    return fixture_clinic.write(tmp / label, data)


# Texts at and beyond each rule's edge, and spellings the two readers might disagree on.
NUMBER_TEXTS = ["3.0", " 7", "+5", "-0", "007", "1_000", "1e2", "inf", "nan", "0x10", "3.5"]
EDGE_CASES = [
    ("courses", "start_year", ["2000", "2100", "1999", "2101", "2024.0", " 2024 "]),
    ("courses", "start_quarter", ["1", "4", "0", "5", ""]),
    ("courses", "symptom_months", ["0", "600", "-1", "601", *NUMBER_TEXTS]),
    ("courses", "planned_sessions", ["1", "20", "0", "21"]),
    ("courses", "escalated_day", ["0", "-1", "123456789", "-123456789", "1234567890"]),
    ("courses", "course_price", ["0.5", "12.25", "1e3", ".5", "5.", "123456.789", "12345.6789"]),
    ("courses", "observed_days", ["0", "-1", "99999"]),
    ("courses", "end_stage", ["true", "TRUE", " yes ", "No", "1", "0", "t", "y", "on", ""]),
    ("courses", "lifestyle_support", ["false", "Yes", "", "\ttrue"]),
    ("courses", "sex", ["female", " female", "Female", ""]),
    ("courses", "severity_grade", ["1", "4", "IV", "mild", "", "x"]),
    ("courses", "site_id", ["2024-01-05", "a@b.co", "123-45-6789", "s 1", "s-1", "s.1", "S1"]),
    ("courses", "patient_id", ["555 123 4567", "(555) 123-4567", "pt.1", "", " "]),
    ("sessions", "session_number", ["1", "2", "0", "1.0"]),
    ("sessions", "day", ["0", "1", "-1"]),
    ("sessions", "concentration_ug_ml", ["1", "80", "0.99", "80.01", "20.000"]),
    ("sessions", "volume_ml", ["0.5", "300", "0.49", "300.5", " 10 "]),
    ("assessments", "day", ["-60", "730", "-61", "731"]),
    ("assessments", "score", ["0", "10", "10.5", "-0.5", "1e1", "nan"]),
    ("assessments", "instrument", ["odi", "NRS_PAIN", "pain"]),
]


@pytest.mark.parametrize(("file", "column", "texts"), EDGE_CASES, ids=lambda v: str(v)[:20])
def test_the_fast_path_accepts_only_what_the_careful_path_accepts(tmp_path, file, column, texts):
    accepted_fast = 0
    for i, text in enumerate(texts):
        folder = with_value(tmp_path, file, column, text, f"v{i}")
        fast = streamed(folder, tmp_path)
        if fast is None:
            continue
        accepted_fast += 1
        assert careful_accepts(folder), f"{file}.{column} = {text!r}: only the fast path took it"
        typed = careful_tables(folder, tmp_path)[file]
        mine = fast[file]
        key = ["course_id"] if file == "courses" else list(typed.columns)
        assert cells(mine.sort_values(key)[column]) == cells(typed.sort_values(key)[column]), text
    assert accepted_fast >= 1  # each case has a plain value the fast path takes


@pytest.mark.parametrize(
    "change",
    ["quoted", "lone_cr", "blank_in_header", "nul", "latin1"],
)
def test_what_the_fast_path_cannot_read_alike_goes_to_the_careful_path(tmp_path, change):
    folder = fixture_clinic.write(tmp_path / "x")
    path = folder / "sessions.csv"
    raw = path.read_bytes()
    raw = {
        "quoted": raw.replace(b",20,", b',"20",', 1),
        "lone_cr": raw.replace(b"\n", b"\r", 3),
        "blank_in_header": raw.replace(b"course_id,", b"course_id ,", 1),
        "nul": raw + b"\x00",
        "latin1": raw.replace(b",20,", b",2\xe90,", 1),
    }[change]
    path.write_bytes(raw)
    assert streaming.scan(folder) is None


def test_carriage_returns_are_read_alike_only_before_a_newline(tmp_path, monkeypatch):
    """The text check of the scan thread (streaming._content_hash), chunk by chunk: CR LF
    endings are read alike (a hash), wherever a chunk ends, even between the CR and its LF;
    a CR with no LF after it is not (None), at a chunk's end or the file's."""
    monkeypatch.setattr(streaming, "SCAN_CHUNK_BYTES", 4)
    path = tmp_path / "t.csv"
    for text, alike in [
        (b"a,b\r\nc,d\r\n", True),  # chunks "a,b\r" "\nc,d" "\r\n"
        (b"ab\r\ncd\r\n", True),
        (b"a,b\nc,d\n", True),
        (b"a,b\rc,d\r\n", False),  # a lone CR at a chunk's end
        (b"ab\rcd\n", False),  # inside a chunk
        (b"a,b\r\nc,d\r", False),  # the file's last byte
    ]:
        path.write_bytes(text)
        digest = streaming._content_hash(path)
        assert (digest == hashlib.sha256(text).hexdigest()) if alike else digest is None, text


def test_text_found_unreadable_while_streaming_hands_over_to_the_careful_path(tmp_path):
    """The text is checked in a thread while DuckDB streams the files: a quoted value in the
    last file DuckDB reads alike (it streams) is still caught, the new file is dropped and the
    careful path loads it; the load records each file's SHA-256 as the careful path does."""
    folder = fixture_clinic.write(tmp_path / "x")
    path = folder / "adverse_events.csv"
    path.write_bytes(
        path.read_bytes().replace(b",post_injection_flare,", b',"post_injection_flare",', 1)
    )
    assert b'"' in path.read_bytes()
    started = streaming.begin_scan(folder)
    assert started is not None  # the headers are fine: the fast path starts
    assert started.finished() is None  # and the thread finds the quotes
    fast = loading.load_folder(folder, tmp_path / "o.duckdb")
    careful = loading.load_folder(folder, tmp_path / "c.duckdb")  # the same path again
    assert fast.rows == careful.rows
    con = db.connect(tmp_path / "o.duckdb")
    try:
        recorded = dict(db.run(con, "meta/last_load_files")[["file_name", "sha256"]].to_numpy())
    finally:
        con.close()

    assert recorded["adverse_events.csv"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_threads_hashes_are_the_files_own(tmp_path):
    folder = fixture_clinic.write(tmp_path / "x")
    found = streaming.scan(folder)
    assert found is not None

    for file in found.files.values():
        assert file.sha256 == hashlib.sha256(file.path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("file", "column", "text"),
    [
        ("assessments", "course_id", "not_a_course"),
        ("sessions", "session_number", "3"),
        ("courses", "start_year", "1999"),
        ("courses", "patient_id", "someone@example.org"),
    ],
)
def test_a_refused_extract_is_refused_with_the_careful_paths_own_message(
    tmp_path, file, column, text
):
    folder = with_value(tmp_path, file, column, text, "bad")
    database = tmp_path / "o.duckdb"
    with pytest.raises(ContractViolation) as refused:
        loading.load_folder(folder, database)
    try:
        read_extract(folder)
        expected = None
    except ContractViolation as exc:
        expected = exc.summary()
    reason = raw_export_reason(folder)
    if reason is not None:
        assert refused.value.summary().startswith(f"Refused: {reason}")
    else:
        assert refused.value.summary() == expected
    assert not database.exists()


def test_a_repeated_course_id_goes_to_the_careful_path_which_names_its_line(tmp_path):
    """courses.course_id has no key's index (schema.sql, issue 10): the streamed read counts
    repeated ids itself (meta/stream_rules.sql) and hands over, and the careful path names the
    line of the repeat; nothing is written."""
    folder = fixture_clinic.write(tmp_path / "x")
    path = folder / "courses.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")  # the first course again, at the end
    assert streaming.scan(folder) is not None  # the text is fine: only the rule is broken
    assert streamed(folder, tmp_path) is None
    database = tmp_path / "o.duckdb"
    with pytest.raises(ContractViolation) as refused:
        loading.load_folder(folder, database)
    message = refused.value.summary()
    assert "course_id must be unique" in message
    assert f"line {len(lines) + 1}" in message
    assert not database.exists()
