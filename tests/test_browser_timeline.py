"""The Timeline page in a real browser (Debian's Chromium through Playwright).

Uses the served app, browser and page fixtures of tests/conftest.py (a small synthetic
clinic; the tests skip without Chromium outside CI and fail without it in CI). After every
interaction the test waits for the app to be idle, as Streamlit's own browser tests do.
"""

from __future__ import annotations

import pytest

from ozone_testkit.screens import IDLE, open_page

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"] .main-svg'


def test_timeline_page_draws_the_trajectory(server, page):
    # A deep link with the split in the address goes through the router to this view.
    open_page(page, f"{server}/timeline?split=Rehab", "Timeline")
    page.wait_for_selector(CHART)
    page.wait_for_selector(IDLE)
    assert page.locator(CHART).first.is_visible()
    assert page.get_by_text("by rehab pairing", exact=False).first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_choosing_a_split_redraws_and_lands_in_the_address(server, page):
    open_page(page, f"{server}/timeline", "Timeline")
    page.wait_for_selector(CHART)
    # a segmented control is a radio group in the browser
    page.get_by_role("radiogroup", name="Split by").get_by_role("radio", name="Severity").click()
    page.get_by_text("by degeneration severity", exact=False).first.wait_for()
    page.wait_for_selector(IDLE)
    assert "split=Severity" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
