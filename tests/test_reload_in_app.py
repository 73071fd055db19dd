"""After a load, the app's next read shows the new data (issue 10, item 3).

DuckDB's Python client keeps one database instance per path per process: while a connection
to the old file is open, connecting to the path again returns the old instance
(duckdb/duckdb#15912). The app keeps its connection per data version
(``dashboard.state.connection``); here one process reads, loads a newer extract over the
same path, and reads again, as a served app does between two page views.
"""

from __future__ import annotations

import copy

from dashboard import state
from ozone_testkit import fixture_clinic
from queries.data import db
from queries.data.loading import load_folder


def n_courses(con) -> int:
    row = con.cursor().execute("select count(*) from courses").fetchone()
    assert row is not None
    return int(row[0])


def newer_extract(tmp_path, n_new: int):
    """The fixture clinic plus ``n_new`` courses copied from its first one."""
    data = copy.deepcopy(fixture_clinic.rows())
    first = data["courses"][0]
    data["courses"] += [{**first, "course_id": f"new_{i}"} for i in range(n_new)]
    return fixture_clinic.write(tmp_path / "newer", data)


def test_the_next_read_after_a_load_sees_the_new_courses(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "clinic.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "first"), path)
    before = state.DataVersion.of(path)
    old = state.connection(before, 1, "500MB")
    n_before = n_courses(old)

    load_folder(newer_extract(tmp_path, 3), path)  # while the old connection is open
    after = state.DataVersion.of(path)
    assert after != before
    new = state.connection(after, 1, "500MB")

    assert n_courses(new) == n_before + 3
    assert n_courses(old) == n_before  # a reader of the old version is not disturbed
    assert state.connection(after, 1, "500MB") is new  # one connection per version
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no link left behind


def test_a_snapshot_connection_reads_the_file_as_it_is_now(tmp_path):
    path = tmp_path / "clinic.duckdb"
    load_folder(fixture_clinic.write(tmp_path / "first"), path)
    first = db.connect_snapshot(path, threads=1, memory_limit="500MB")
    try:
        n_first = n_courses(first)
        for n_new in (1, 2):
            load_folder(newer_extract(tmp_path / f"v{n_new}", n_new), path)
            again = db.connect_snapshot(path, threads=1, memory_limit="500MB")
            try:
                assert n_courses(again) == n_first + n_new
                assert db.schema_version(again) == db.SCHEMA_VERSION
            finally:
                again.close()
        assert n_courses(first) == n_first
    finally:
        first.close()
    assert [p.name for p in tmp_path.iterdir() if ".reading-" in p.name] == []
