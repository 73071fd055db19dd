"""The audit log of the served app in Chromium (methods.md section 6): a page view, a reload
and a CSV download are each appended to ``<db>.audit.jsonl`` beside the database the server
reads, and the director's Audit page shows them.

The ``server`` fixture (tests/conftest.py) serves the small synthetic clinic with no
``OUTCOMES_*`` setting, so its log is the default one beside that database; other browser
tests write to it too, so each test reads only the lines added after it started.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ozone_testkit.screens import IDLE, open_page

pytestmark = pytest.mark.browser

DIRECTOR = "director (no sign-in)"


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
    assert {(e["user"], e["role"]) for e in added} == {(DIRECTOR, "director")}
    assert all(e["filters"] == {"scope": "clinic"} for e in added)


def test_the_audit_page_shows_the_log(server, page, log):
    open_page(page, f"{server}/overview", "Overview")
    open_page(page, f"{server}/audit", "Audit")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.locator('[data-testid="stDataFrame"]').wait_for()  # the grid draws after the text
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.get_by_text("events shown").first.is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Audit").count() == 1
    assert _events(log)[-1]["page"] == "audit"
