"""Optional columns (data-contract "Conventions"): one may be left out of the header (stored as
NULL), a required one may not; the optional ``observed_days`` is read, checked and stored.

Every extract here is a variant of the fixture clinic (ozone_testkit/fixture_clinic.py) built
inside the test: its courses file written with a column taken out, or with one value changed.
"""

import copy
import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ozone_testkit import fixture_clinic
from ozone_testkit.extract_variants import as_parquet
from queries.cli import main
from queries.data import contract, db
from queries.data.loading import load_folder
from queries.data.validation import read_extract
from queries.data.violations import ContractViolation


def drop_column(path: Path, column: str) -> None:
    """Rewrite a contract CSV without one column (as an older extract would be)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        names = [n for n in rows[0] if n != column] if rows else []
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def courses_column(db_path: Path, column: str) -> dict[str, object]:
    """course_id -> the stored value of one courses column."""
    con = db.connect(db_path)
    try:
        frame = con.cursor().execute(f"select course_id, {column} as v from courses").df()
    finally:
        con.close()
    return dict(zip(frame["course_id"], frame["v"], strict=True))


def test_the_fixture_without_observed_days_loads_with_it_empty(tmp_path):
    folder = fixture_clinic.write(tmp_path / "older")
    drop_column(folder / "courses.csv", "observed_days")
    assert "observed_days" not in (folder / "courses.csv").read_text().splitlines()[0]
    report = load_folder(folder, tmp_path / "x.duckdb")
    assert report.n_courses_after == fixture_clinic.EXPECTED_TOTAL["n_courses"]
    stored = courses_column(tmp_path / "x.duckdb", "observed_days")
    assert len(stored) == fixture_clinic.EXPECTED_TOTAL["n_courses"]
    assert all(pd.isna(v) for v in stored.values())


@pytest.mark.parametrize("column", [c.name for c in contract.COURSES.columns if not c.required])
def test_any_optional_column_may_be_left_out_of_the_header(tmp_path, column):
    folder = fixture_clinic.write(tmp_path / "lean")
    drop_column(folder / "courses.csv", column)
    extract = read_extract(folder)
    table = extract.tables["courses"]
    assert table.column_names == list(contract.COURSES.column_names)
    assert table.column(column).null_count == len(table)


@pytest.mark.parametrize("column", [c.name for c in contract.COURSES.columns if c.required])
def test_a_required_column_left_out_is_still_refused(tmp_path, capsys, column):
    folder = fixture_clinic.write(tmp_path / "bad")
    drop_column(folder / "courses.csv", column)
    assert main(["load", str(folder), "--db", str(tmp_path / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert f"courses.csv line 1, column {column}: required column is missing" in err, err
    assert not (tmp_path / "x.duckdb").exists()


def test_a_required_column_left_out_of_a_parquet_file_is_refused(tmp_path):
    extract = read_extract(fixture_clinic.write(tmp_path / "csv"))
    # volume_ml is required (refused); observed_days is optional (fine)
    left_out = {"sessions": ["volume_ml"], "courses": ["observed_days"]}
    folder = as_parquet(extract, tmp_path / "parquet", drop=left_out)
    with pytest.raises(ContractViolation) as info:
        read_extract(folder)
    assert [str(v) for v in info.value.violations] == [
        "sessions.parquet, column volume_ml: required column is missing from the header"
    ]


def test_a_parquet_extract_without_an_optional_column_loads(tmp_path):
    extract = read_extract(fixture_clinic.write(tmp_path / "csv"))
    left_out = {"courses": ["observed_days", "course_price"]}
    folder = as_parquet(extract, tmp_path / "parquet", drop=left_out)
    report = load_folder(folder, tmp_path / "x.duckdb")
    assert report.rows == {k: len(v) for k, v in extract.tables.items()}


def with_observed_days(value: str) -> dict[str, list[dict[str, str]]]:
    """The fixture's rows with ``observed_days`` set on its first course."""
    data = copy.deepcopy(fixture_clinic.rows())
    data["courses"][0]["observed_days"] = value
    return data


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("-1", "out of range (expected a whole number >= 0)"),
        ("12.5", "not a whole number >= 0"),
        ("soon", "not a whole number >= 0"),
    ],
)
def test_a_bad_observed_days_is_refused_with_its_place(tmp_path, capsys, value, words):
    folder = fixture_clinic.write(tmp_path / "bad", with_observed_days(value))
    assert main(["load", str(folder), "--db", str(tmp_path / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert f"courses.csv line 2, column observed_days: value '{value}' — {words}" in err, err
    assert not (tmp_path / "x.duckdb").exists()


def test_observed_days_is_stored(tmp_path):
    data = with_observed_days("200")
    data["courses"][1]["observed_days"] = "0"
    folder = fixture_clinic.write(tmp_path / "ok", data)
    load_folder(folder, tmp_path / "x.duckdb")
    stored = courses_column(tmp_path / "x.duckdb", "observed_days")
    first, second = (data["courses"][i]["course_id"] for i in (0, 1))
    assert (stored[first], stored[second]) == (200, 0)


def test_observed_days_past_every_window_does_not_change_any_outcome(tmp_path):
    """Every window closed (the 52-week one on day 406) by day 406: every course is due, so
    nothing changes (methods.md section 1 "Not yet due"; tests/test_not_yet_due.py covers
    courses that are not yet due)."""
    plain = tmp_path / "plain.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "a"), plain)
    data = copy.deepcopy(fixture_clinic.rows())
    for row in data["courses"]:
        row["observed_days"] = "406"
    observed = tmp_path / "observed.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "b", data), observed)
    marts = ("course_outcomes", "course_facts", "assessment_duplicates")
    frames = []
    for path in (plain, observed):
        con = db.connect(path)
        try:
            frames.append(
                [con.cursor().execute(f"select * from {t} order by all").df() for t in marts]
            )
        finally:
            con.close()
    for before, after in zip(*frames, strict=True):
        assert before.equals(after)


def as_older_file(built: Path, older: Path) -> None:
    """A copy of a database file as an earlier schema left it: the tables the loader reads
    back, courses without ``observed_days``, stamped with the previous schema version."""
    con = duckdb.connect(str(older))
    try:
        con.execute("attach $path as built (read_only)", {"path": str(built)})
        for table in (
            "courses",
            "sessions",
            "assessments",
            "adverse_events",
            "load_history",
            "load_files",
        ):
            drop = " exclude (observed_days)" if table == "courses" else ""
            con.execute(f"create table {table} as select *{drop} from built.{table}")
        con.execute(
            "create table schema_info as select $v as schema_version", {"v": db.SCHEMA_VERSION - 1}
        )
    finally:
        con.close()


def test_a_file_from_before_observed_days_is_upgraded_by_a_new_load(tmp_path):
    """A database built before the column existed keeps its other courses on the next load
    (copied by column name, the new column empty)."""
    built, path = tmp_path / "built.duckdb", tmp_path / "clinic.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "first"), built)
    as_older_file(built, path)
    data = with_observed_days("30")
    keep = {data["courses"][0]["course_id"]}
    newer = {name: [r for r in rows if r["course_id"] in keep] for name, rows in data.items()}
    report = load_folder(fixture_clinic.write(tmp_path / "newer", newer), path)
    assert (report.n_courses_replaced, report.n_courses_after) == (
        1,
        fixture_clinic.EXPECTED_TOTAL["n_courses"],
    )
    stored = courses_column(path, "observed_days")
    assert {k: v for k, v in stored.items() if not pd.isna(v)} == {next(iter(keep)): 30}
    assert db.file_schema_version(path) == db.SCHEMA_VERSION
