"""The audit log from the app (methods.md section 6: "Every view and export is audit-logged"):
every page view recorded by the router after the page ran, the log surviving a second run of
the app with a load in between, ``ozone-outcomes audit`` printing it with exactly the columns
``at, user, role, action, page, filters, rows``, and the director's Audit page.

A "server run" here is one AppTest session of dashboard/app.py (in-process, as every page test
runs the app; its cached connection is dropped between the runs, as a restart drops it); the
load between the two runs is ``ozone-outcomes load`` in a process of its own, which replaces
the database file. The served app and a real download: test_browser_audit.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard import state
from ozone_testkit import accounts, fixture_clinic, raw_clinic
from ozone_testkit.command_line import ozone_outcomes
from ozone_testkit.screens import metrics, open_app, start_app
from queries.access import audit
from queries.core.scope import Filters, Scope
from queries.core.settings import Settings
from queries.disclosure.gate import Policy

AUDIT_COLUMNS = ["at", "user", "role", "action", "page", "filters", "rows"]
DIRECTOR = accounts.DIRECTOR
KEY = "the clinic's pseudonym secret, 32+ characters"
N_COURSES = len(fixture_clinic.COURSES)  # 13
N_SITE_S1 = sum(c.site_id == "S1" for c in fixture_clinic.COURSES)


def cli(*args: str) -> subprocess.CompletedProcess:
    done = ozone_outcomes(*args)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture()
def clinic(monkeypatch, tmp_path) -> Path:
    """A database of its own holding the fixture clinic (loaded by ``ozone-outcomes load``),
    read by the app as the director; its audit log is the default one beside it."""
    database = tmp_path / "clinic.duckdb"
    cli("load", str(fixture_clinic.write(tmp_path / "first")), "--db", str(database))
    monkeypatch.setenv("OUTCOMES_DB", str(database))
    for var in ("OUTCOMES_ROUND_TO", "OUTCOMES_AUDIT_LOG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "1")  # the 13 courses' counts, shown exactly
    return database


def _audit_csv(database: Path) -> list[dict[str, str]]:
    printed = cli("audit", "--db", str(database)).stdout
    assert printed.splitlines()[0] == ",".join(AUDIT_COLUMNS)
    return list(csv.DictReader(io.StringIO(printed)))


def test_views_of_two_runs_with_a_load_between_are_all_printed(clinic, tmp_path):
    first = open_app("overview", {"site": "S1"})
    assert metrics(first)["Courses"] == str(N_SITE_S1)
    first.switch_page("views/patterns.py").run()
    assert not first.exception

    key = tmp_path / "clinic.key"
    key.write_text(KEY + "\n")
    newer = tmp_path / "deidentified"
    raw = raw_clinic.write_raw(tmp_path / "raw")
    cli("deidentify", str(raw), str(newer), "--key-file", str(key))
    cli("load", str(newer), "--db", str(clinic))  # 13 more courses, under pseudonyms
    # The second server run is a new process: it holds no connection to the replaced file
    # (one process keeps DuckDB's instance of the old file while a connection to it is open).
    state.connection.clear()

    second = open_app("overview")
    assert metrics(second)["Courses"] == str(2 * N_COURSES)  # the second run reads the new file
    second.switch_page("views/data.py").run()
    assert not second.exception

    events = _audit_csv(clinic)
    assert [(e["action"], e["page"]) for e in events] == [
        ("view", "overview"),
        ("view", "patterns"),
        ("view", "overview"),
        ("view", "data"),
    ]
    assert {(e["user"], e["role"], e["rows"]) for e in events} == {(DIRECTOR, "director", "")}
    assert [json.loads(e["filters"]) for e in events[:2]] == [
        {"scope": "clinic", "site_ids": ["S1"]}
    ] * 2
    assert json.loads(events[2]["filters"]) == {"scope": "clinic"}
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert (clinic.parent / "clinic.duckdb.audit.jsonl").exists()


def test_a_providers_views_name_the_provider_and_their_scope(clinic, monkeypatch):
    accounts.as_provider(monkeypatch, "P_B")
    at = open_app("overview")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("views/audit.py")  # the Audit page is the director's only
    (event,) = audit.read(Settings.from_env().audit_log_for(clinic)).to_dict(orient="records")
    assert (event["user"], event["role"], event["page"]) == (
        accounts.provider_email("P_B"),
        "provider",
        "overview",
    )
    assert json.loads(event["filters"]) == {"scope": "P_B"}


def _record(path: Path, action: str, page: str, day: int, rows: int | None = None) -> None:
    audit.record(
        path,
        user=DIRECTOR,
        role="director",
        action=action,
        page=page,
        filters={"scope": "clinic"},
        rows=rows,
        at=datetime(2026, 1, day, 9, tzinfo=UTC),
    )


def test_audit_page_lists_the_log_newest_first_and_filters_by_action(clinic, monkeypatch, tmp_path):
    log = tmp_path / "elsewhere" / "audit.jsonl"
    monkeypatch.setenv("OUTCOMES_AUDIT_LOG", str(log))
    _record(log, "view", "overview", 1)
    _record(log, "export", "patterns/responder_rates.csv", 2, rows=5)
    _record(log, "view", "timeline", 3)

    at = open_app("audit")  # the root run (overview) is recorded before the Audit page runs
    shown = at.dataframe[0].value
    assert list(shown.columns) == [
        "At (UTC)",
        "User",
        "Role",
        "Action",
        "Page (export: page/file)",
        "Scope and filters",
        "Rows exported",
    ]
    assert list(shown["Page (export: page/file)"]) == [
        "overview",
        "timeline",
        "patterns/responder_rates.csv",
        "overview",
    ]
    at.segmented_control(key="action").set_value("export").run()
    exports = at.dataframe[0].value
    assert list(exports["Page (export: page/file)"]) == ["patterns/responder_rates.csv"]
    assert list(exports["Rows exported"]) == [5]
    assert not clinic.with_name("clinic.duckdb.audit.jsonl").exists()  # the log is elsewhere
    assert list(audit.read(log)["page"])[-2:] == ["audit", "audit"]  # and both runs are logged


def test_an_export_is_recorded_with_its_file_and_rows(fixture_clinic_db, tmp_path):
    log = tmp_path / "audit.jsonl"
    settings = Settings()
    ctx = state.PageContext(
        settings=settings,
        data=state.DataVersion.of(fixture_clinic_db),
        role="director",
        scope=Scope.clinic(),
        filters=Filters(year_min=2024, routes=("intra_articular",)),
        policy=Policy.for_audience("director", settings),
        synthetic=False,
        user="director@clinic.example",
        page="my_practice",
        audit_log=log,
    )
    ctx.audit("export", rows=3, what="my_outcomes.csv")
    (event,) = audit.read(log).to_dict(orient="records")
    assert (event["action"], event["page"], event["rows"]) == (
        "export",
        "my_practice/my_outcomes.csv",
        3,
    )
    assert json.loads(event["filters"]) == {
        "scope": "clinic",
        "year_min": 2024,
        "routes": ["intra_articular"],
    }


def test_a_log_that_cannot_be_written_is_said_calmly(clinic, monkeypatch, tmp_path):
    monkeypatch.setenv("OUTCOMES_AUDIT_LOG", str(tmp_path / "audit.duckdb"))  # refused by audit
    at = start_app()
    assert not at.exception
    assert "could not be written to the audit log" in at.error[0].value
