"""The served app in a real browser: Debian's Chromium driven by Playwright (sync API).

The ``server``, ``browser`` and ``page`` fixtures (tests/conftest.py) serve the app with
``OUTCOMES_DB`` set to a small synthetic clinic and give each test a fresh page;
``open_page`` (ozone_testkit/screens.py) waits after every navigation for the app to be idle
(``data-test-script-state="notRunning"``), as Streamlit's own browser tests do
(docs/engineering.md "A real browser in tests").

Without /usr/bin/chromium the tests skip with the reason, except in CI (``CI=true``), where
a missing browser fails the run. ``OUTCOMES_SCREENSHOTS=1`` saves the Patterns page to
docs/screenshots/patterns.png (the README shows it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ozone_testkit import ROOT
from ozone_testkit.screens import IDLE, open_page

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "screenshots" / "patterns.png"
PATTERNS_CHARTS = 7  # four one-way, the day-21 landmark view, two heat maps
PLOTLY_SETTLE_MS = 500  # let plotly finish its transitions before a screenshot


def test_patterns_page_draws_its_charts(server, page):
    # The first request to a fresh server is a deep link: it must go through the router.
    open_page(page, f"{server}/patterns", "Patterns")
    page.wait_for_function(
        """n => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                  .filter(c => c.querySelector('.main-svg')).length >= n""",
        arg=PATTERNS_CHARTS,
    )
    page.wait_for_selector(IDLE)
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Synthetic data", exact=False).first.is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Data").count() >= 1
    if os.environ.get("OUTCOMES_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(PLOTLY_SETTLE_MS)
        page.screenshot(path=str(SCREENSHOT))


def _courses(page) -> int:
    value = (
        page.locator('[data-testid="stMetric"]')
        .filter(has_text="Courses")
        .locator('[data-testid="stMetricValue"]')
        .first.inner_text()
    )
    return int(value.replace(",", ""))


def test_csv_download_is_built_on_click(server, page):
    open_page(page, f"{server}/data", "Data")
    # the three tables render one after another: wait for the last button before clicking it
    page.get_by_role("button", name="Download CSV").nth(2).wait_for(state="visible")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").last.click()
    assert download.value.suggested_filename == "data_checks.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "Check,What it looks for,Rows flagged,Status"
    assert "courses_without_baseline" in text


def test_a_shared_link_carries_its_filters(server, page):
    open_page(page, f"{server}/", "Overview")  # the home page lives at the root
    everyone = _courses(page)
    open_page(page, f"{server}/?site=site_a", "Overview")
    assert 0 < _courses(page) < everyone
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
