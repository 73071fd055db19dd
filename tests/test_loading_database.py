"""What a load does to the database: the same extract twice changes nothing, a newer extract
replaces courses by id and keeps the others, a failure while building leaves the file as it
was, Parquet loads like CSV, the synthetic mark, and databases from an older schema are
rebuilt. (Bad input refused: tests/test_loading.py.)
"""

import copy
import shutil

import pytest

from ozone_testkit import fixture_clinic
from ozone_testkit.extract_variants import as_parquet, load_fixture_clinic, sha
from queries.cli import main
from queries.data import db, loading
from queries.data.loading import load_folder
from queries.data.validation import read_extract


@pytest.fixture()
def loaded(tmp_path):
    """A database holding the fixture clinic (its extract in tmp_path/first)."""
    return load_fixture_clinic(tmp_path)


def test_adverse_events_may_have_no_rows(tmp_path):
    data = copy.deepcopy(fixture_clinic.rows())
    data["adverse_events"] = []
    folder = fixture_clinic.write(tmp_path / "ok", data)
    report = load_folder(folder, tmp_path / "x.duckdb")
    assert report.rows["adverse_events"] == 0


def test_loading_the_same_extract_twice_changes_nothing(tmp_path, loaded):
    before = sha(loaded)
    folder = tmp_path / "first"
    report = load_folder(folder, loaded)
    assert report.status == "unchanged"
    assert sha(loaded) == before


def test_newer_extract_replaces_courses_by_id_and_keeps_the_others(tmp_path, loaded):
    data = fixture_clinic.rows()
    keep = {"tie_in_window", "no_baseline"}
    newer = {name: [r for r in rows if r["course_id"] in keep] for name, rows in data.items()}
    for row in newer["assessments"]:
        if row["course_id"] == "tie_in_window" and row["day"] == "88":
            row["score"] = "7"  # no longer a responder
    newer["courses"].append({**newer["courses"][0], "course_id": "brand_new"})
    folder = fixture_clinic.write(tmp_path / "newer", newer)
    report = load_folder(folder, loaded)
    assert (report.n_courses_replaced, report.n_courses_added, report.n_courses_after) == (2, 1, 14)
    con = db.connect(loaded)
    try:
        cur = con.cursor()
        n_assess = cur.execute(
            "select count(*) from assessments where course_id = 'tie_in_window'"
        ).fetchone()[0]
        resp = cur.execute(
            "select is_responder from course_outcomes where course_id = "
            "'tie_in_window' and window_name = '12w'"
        ).fetchone()[0]
        hist = cur.execute(
            "select load_id, n_courses_after from load_history order by 1"
        ).fetchall()
        files = cur.execute("select count(*) from load_files").fetchone()[0]
        other = cur.execute(
            "select count(*) from sessions where course_id = 'second_older_baseline'"
        ).fetchone()[0]
    finally:
        con.close()
    assert n_assess == 3 and resp is False
    assert hist == [(1, 13), (2, 14)] and files == 8
    assert other == 4


def test_a_failure_while_building_leaves_the_database_as_it_was(tmp_path, loaded, monkeypatch):
    data = fixture_clinic.rows()
    data["courses"][0]["provider_id"] = "P_Z"
    folder = fixture_clinic.write(tmp_path / "newer", data)
    before = sha(loaded)

    def broken(con, settings):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loading, "build_marts", broken)
    with pytest.raises(RuntimeError):
        load_folder(folder, loaded)
    assert sha(loaded) == before
    assert sorted(p.name for p in loaded.parent.iterdir() if p.is_file()) == ["clinic.duckdb"]


def test_parquet_extract_loads_like_csv(tmp_path):
    csv_folder = fixture_clinic.write(tmp_path / "csv")
    pq_folder = as_parquet(read_extract(csv_folder), tmp_path / "parquet")
    a = load_folder(csv_folder, tmp_path / "a.duckdb")
    b = load_folder(pq_folder, tmp_path / "b.duckdb")
    assert a.rows == b.rows
    con = db.connect(tmp_path / "b.duckdb")
    try:
        n = (
            con.cursor()
            .execute(
                "select count(*) filter (where is_responder) from "
                "course_outcomes where window_name = '12w'"
            )
            .fetchone()[0]
        )
    finally:
        con.close()
    assert n == fixture_clinic.EXPECTED_TOTAL["n_responders"]


def test_synthetic_manifest_marks_the_load(tmp_path):
    folder = fixture_clinic.write(tmp_path / "x")
    shutil.copy(folder / "courses.csv", tmp_path / "keep.csv")
    (folder / "synthetic.json").write_text("{}")
    report = load_folder(folder, tmp_path / "s.duckdb")
    assert report.is_synthetic


def test_a_database_from_an_older_schema_is_refused_then_rebuilt(
    tmp_path, loaded, capsys, monkeypatch
):
    """After an upgrade changes the marts, the old file is not read with the new queries: the
    CLI says to load again, and loading the same extract again rebuilds it."""
    monkeypatch.setattr(db, "SCHEMA_VERSION", db.SCHEMA_VERSION + 1)
    assert main(["rates", "--db", str(loaded), "--by", "severity"]) == 2
    assert "load your extract again" in capsys.readouterr().err
    report = load_folder(tmp_path / "first", loaded)
    assert report.status == "loaded"  # same extract, but rebuilt for the new schema
    assert main(["rates", "--db", str(loaded), "--by", "severity"]) == 0


def test_an_outdated_synthetic_clinic_is_rebuilt(tmp_path, monkeypatch):
    from queries.core.settings import Settings
    from queries.data.bootstrap import resolve_database

    settings = Settings(data_dir=tmp_path, synthetic_courses=300)
    path = resolve_database(settings)
    first = path.stat().st_mtime_ns
    assert resolve_database(settings) == path and path.stat().st_mtime_ns == first
    monkeypatch.setattr(db, "SCHEMA_VERSION", db.SCHEMA_VERSION + 1)
    assert resolve_database(settings) == path
    con = db.connect(path)
    try:
        assert db.schema_version(con) == db.SCHEMA_VERSION
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
