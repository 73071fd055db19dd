"""The audit log of the served app in Chromium (methods.md section 6: every view and export
is logged, in a file of its own that survives restarts and loads).

- On the ``server`` fixture (tests/conftest.py: the small synthetic clinic, the demo that
  opens without sign-in, no ``OUTCOMES_*`` setting, so its log is the default one beside
  that database): a page view, a reload and a CSV download are each appended to
  ``<db>.audit.jsonl``, and the director's Audit page shows them. Other browser tests write
  to that log too, so each test reads only the lines added after it started.
- On a database of real courses with local accounts (ozone_testkit/served.py), two server
  runs with a load between them (issue 8, "Done when"): the log holds the views of both runs,
  in order, with the signed-in users and their scopes, ``ozone-outcomes audit`` prints them,
  and the log is the file beside the database, which the load replaced without touching it.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ozone_testkit import accounts, fixture_clinic, fixture_timeline
from ozone_testkit.screens import IDLE, open_page
from ozone_testkit.served import deployment_env, serving, settle, sign_in_with_password
from queries.data.loading import load_folder

pytestmark = pytest.mark.browser

DEMO = "demo (no sign-in)"  # who the audit log names in the synthetic demo (dashboard/auth.py)
PROVIDER = "P_A"  # a provider of the fixture clinic
AUDIT_COLUMNS = ["at", "user", "role", "action", "page", "filters", "rows"]
CLI_TIMEOUT_S = 120


def _events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture()
def log(synthetic_clinic_db: Path) -> Path:
    return synthetic_clinic_db.with_name(synthetic_clinic_db.name + ".audit.jsonl")


def test_views_reloads_and_a_download_are_logged(server, page, log):
    before = len(_events(log))
    open_page(page, f"{server}/data", "Data")
    page.reload()
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    page.wait_for_selector(IDLE)
    # the three tables render one after another: wait for the last button before clicking it
    page.get_by_role("button", name="Download CSV").nth(2).wait_for(state="visible")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").last.click()
    assert download.value.suggested_filename == "data_checks.csv"
    with Path(download.value.path()).open(newline="", encoding="utf-8") as fh:
        n_rows = len(list(csv.DictReader(fh)))

    added = _events(log)[before:]
    assert [(e["action"], e["page"]) for e in added] == [
        ("view", "data"),
        ("view", "data"),  # the reload is a view of its own
        ("export", "data/data_checks.csv"),
    ]
    assert added[-1]["rows"] == n_rows
    assert {(e["user"], e["role"]) for e in added} == {(DEMO, "director")}
    assert all(e["filters"] == {"scope": "clinic"} for e in added)


def test_the_audit_page_shows_the_log(server, page, log):
    open_page(page, f"{server}/overview", "Overview")
    open_page(page, f"{server}/audit", "Audit")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.locator('[data-testid="stDataFrame"]').wait_for()  # the grid draws after the text
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.get_by_text("log entries shown").first.is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Audit").count() == 1
    assert _events(log)[-1]["page"] == "audit"


# --- two server runs with a load between them -----------------------------------------------


def _signed_in_views(page, url: str, email: str, pages: list[str]) -> None:
    """Sign in with the local form as ``email`` and open ``pages`` (menu titles) in turn
    through the menu (a password sign-in lasts for the browser session of the tab)."""
    page.goto(url)
    sign_in_with_password(page, email, accounts.PASSWORD)
    page.get_by_text(f"Signed in as {email}").wait_for()
    for title in pages:
        if title != "Overview":  # the home page, where a sign-in lands
            nav = page.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text(title, exact=True).click()
        page.get_by_role("heading", name=title, exact=True).wait_for()
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``ozone-outcomes ARGS`` with no ``OUTCOMES_*`` from the shell; checked to succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "queries.cli", *args],
        cwd=folder,
        env=deployment_env(folder),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_log_holds_two_server_runs_with_a_load_between(chromium, page, tmp_path):
    db = tmp_path / "clinic.duckdb"
    log = tmp_path / "clinic.duckdb.audit.jsonl"  # the default: beside the database
    load_folder(fixture_clinic.write(tmp_path / "first_extract"), db)
    users = accounts.write_users(tmp_path / "accounts.toml", [PROVIDER], password=accounts.PASSWORD)
    provider = accounts.provider_email(PROVIDER)

    with serving(tmp_path, db, users=users) as url:  # run 1: the director, two pages
        _signed_in_views(page, url, accounts.DIRECTOR, ["Overview", "Data"])
    load_started = datetime.now(UTC)
    file_before = db.stat().st_ino
    lines_before = log.read_bytes()

    second = fixture_timeline.write(tmp_path / "second_extract")
    _cli(tmp_path, "load", str(second), "--db", str(db))
    loaded = datetime.now(UTC)
    assert db.stat().st_ino != file_before  # the load replaced the database file ...
    assert log.read_bytes() == lines_before  # ... and left the log as it was

    with serving(tmp_path, db, users=users) as url:  # run 2: a provider, one page
        _signed_in_views(page, url, provider, ["Overview"])

    printed = _cli(tmp_path, "audit", "--db", str(db), "--format", "csv").stdout
    reader = csv.DictReader(io.StringIO(printed))
    rows = list(reader)
    assert reader.fieldnames == AUDIT_COLUMNS
    assert [(r["user"], r["role"], r["action"], r["page"]) for r in rows] == [
        (accounts.DIRECTOR, "director", "view", "overview"),
        (accounts.DIRECTOR, "director", "view", "data"),
        (provider, "provider", "view", "overview"),
    ]
    assert [json.loads(r["filters"])["scope"] for r in rows] == ["clinic", "clinic", PROVIDER]
    at = [datetime.fromisoformat(r["at"]) for r in rows]
    assert at == sorted(at)
    assert all(t < load_started for t in at[:2])
    assert loaded < at[2]
    # what audit printed is the log file's lines; the database holds no copy of them
    assert [e["at"] for e in _events(log)] == [r["at"] for r in rows]
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert not [t for t in tables if "audit" in t.lower()], tables
    assert provider.encode() not in db.read_bytes()
