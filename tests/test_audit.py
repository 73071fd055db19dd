"""The audit log (queries/access/audit.py): append-only JSON Lines, safe with writers in
separate processes, read back in order with exactly the documented columns."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from queries.access import audit
from queries.access.audit import AuditLogError

EVENTS_PER_RUN = 40
# An ordinary event: a director viewing the overview.
VIEW = {
    "user": "u@clinic.example",
    "role": "director",
    "action": "view",
    "page": "overview",
    "filters": {},
    "rows": 1,
}
# One "server run": a separate Python process appending events for its own user.
SERVER_RUN = textwrap.dedent("""
    import sys
    from queries.access import audit
    path, user, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(n):
        audit.record(path, user=user, role="provider", action="view", page="overview",
                     filters={"seq": i, "period": ["2023", "2024"]}, rows=i)
""")


def _run_servers(path: Path, users: list[str], concurrently: bool) -> None:
    def start(user: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", SERVER_RUN, str(path), user, str(EVENTS_PER_RUN)]
        )

    if concurrently:
        runs = [start(user) for user in users]
        assert [run.wait(timeout=120) for run in runs] == [0] * len(users)
    else:
        assert all(start(user).wait(timeout=120) == 0 for user in users)


@pytest.mark.parametrize("concurrently", [False, True])
def test_two_server_runs_are_all_read_back_in_order(tmp_path, concurrently):
    path = tmp_path / "audit.jsonl"
    _run_servers(path, ["run1@clinic.example", "run2@clinic.example"], concurrently)
    frame = audit.read(path)
    assert len(frame) == 2 * EVENTS_PER_RUN
    assert frame["at"].is_monotonic_increasing  # time taken under the lock: file order = time
    for user in ("run1@clinic.example", "run2@clinic.example"):
        seqs = [json.loads(f)["seq"] for f in frame.loc[frame["user"] == user, "filters"]]
        assert seqs == list(range(EVENTS_PER_RUN))
    if not concurrently:
        assert list(frame["user"]) == (
            ["run1@clinic.example"] * EVENTS_PER_RUN + ["run2@clinic.example"] * EVENTS_PER_RUN
        )
    assert len(path.read_text().splitlines()) == 2 * EVENTS_PER_RUN


def test_writer_threads_never_interleave(tmp_path):
    path = tmp_path / "audit.jsonl"
    long_filters = {"note": "x" * 5000}  # longer than one write of a pipe buffer

    def write(user: str) -> None:
        for _ in range(EVENTS_PER_RUN):
            audit.record(
                path,
                user=user,
                role="director",
                action="export",
                page="providers",
                filters=long_filters,
                rows=1,
            )

    threads = [threading.Thread(target=write, args=(f"t{i}@clinic.example",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    frame = audit.read(path)
    assert len(frame) == 4 * EVENTS_PER_RUN and frame["at"].is_monotonic_increasing
    assert frame["user"].value_counts().to_dict() == {
        f"t{i}@clinic.example": EVENTS_PER_RUN for i in range(4)
    }


def test_columns_are_exact_and_since_filters(tmp_path):
    path = tmp_path / "logs" / "audit.jsonl"
    assert list(audit.read(path).columns) == list(audit.AUDIT_COLUMNS)  # no file yet: no rows
    days = [datetime(2026, 3, d, 23, 59, tzinfo=UTC) for d in (1, 2, 3)]
    for i, at in enumerate(days):
        audit.record(
            path,
            user="dr.lee@clinic.example",
            role="provider",
            action="export",
            page="patterns",
            filters={"since": date(2025, 1, 1), "by": "severity"},
            rows=i if i else None,
            at=at,
        )
    frame = audit.read(path)
    assert list(frame.columns) == ["at", "user", "role", "action", "page", "filters", "rows"]
    assert frame["filters"].iat[0] == '{"by": "severity", "since": "2025-01-01"}'
    assert frame["rows"].isna().iat[0] and frame["rows"].iat[2] == 2
    assert list(audit.read(path, since=date(2026, 3, 2))["at"]) == days[1:]
    assert audit.read(path, since=date(2026, 3, 4)).empty
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_csv_and_json_exports(tmp_path):
    path = tmp_path / "audit.jsonl"
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    audit.record(
        path,
        user="d@clinic.example",
        role="director",
        action="view",
        page="data",
        filters={},
        rows=None,
        at=at,
    )
    audit.record(
        path,
        user="d@clinic.example",
        role="director",
        action="export",
        page="providers",
        filters={"provider": "P_A"},
        rows=3,
        at=at,
    )
    frame = audit.read(path)
    assert audit.to_csv(frame).splitlines() == [
        "at,user,role,action,page,filters,rows",
        "2026-03-01T09:30:00+00:00,d@clinic.example,director,view,data,{},",
        "2026-03-01T09:30:00+00:00,d@clinic.example,director,export,providers,"
        '"{""provider"": ""P_A""}",3',
    ]
    assert json.loads(audit.to_json(frame))[1] == {
        "at": "2026-03-01T09:30:00+00:00",
        "user": "d@clinic.example",
        "role": "director",
        "action": "export",
        "page": "providers",
        "filters": {"provider": "P_A"},
        "rows": 3,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action": "edit"}, "action 'edit' is not logged"),
        ({"role": "admin"}, "role 'admin' is not a role"),
        ({"rows": -1}, "rows must be a count"),
        ({"at": datetime(2026, 3, 1)}, "must carry its time zone"),
        ({"filters": {"x": object()}}, "filters cannot be logged"),
    ],
)
def test_bad_events_are_refused(tmp_path, change, message):
    with pytest.raises(AuditLogError, match=message):
        audit.record(tmp_path / "audit.jsonl", **(VIEW | change))
    assert not (tmp_path / "audit.jsonl").exists()


def test_never_inside_the_database(tmp_path):
    with pytest.raises(AuditLogError, match="never the database"):
        audit.record(tmp_path / "clinic.duckdb", **VIEW)


def test_a_line_cut_short_stays_its_own_line_and_is_reported(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text('{"at": "2026-03-01T09:30:00+00:00", "user": "u@cl')  # a crashed write
    audit.record(path, **VIEW)
    assert len(path.read_text().splitlines()) == 2
    with pytest.raises(AuditLogError, match="line 1: not an audit record"):
        audit.read(path)


def test_the_module_offers_no_way_to_edit_or_delete():
    public = {name for name in dir(audit) if not name.startswith("_")}
    assert not {
        n
        for n in public
        if any(w in n for w in ("delete", "remove", "edit", "update", "truncate", "clear"))
    }
