"""The Providers page in a real browser (Debian's Chromium, Playwright sync API).

The fixtures of tests/conftest.py serve the app on a small synthetic clinic, start one
Chromium per module and give each test a fresh page; ``open_page`` (ozone_testkit/screens.py)
waits for the title and the idle script state (docs/engineering.md "A real browser in tests").
"""

from __future__ import annotations

import pytest

from ozone_testkit.screens import IDLE, open_page

pytestmark = pytest.mark.browser

FUNNELS = ("Responder rate by provider, crude", "Responders by provider, adjusted for case mix")


def test_providers_page_draws_its_funnels(server, page):
    open_page(page, f"{server}/providers", "Providers")
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for title in FUNNELS:  # each funnel rendered by plotly.js, its title drawn in the SVG
        chart = charts.filter(has_text=title)
        chart.locator(".main-svg").first.wait_for(state="visible")
    page.wait_for_selector(IDLE)
    assert page.locator('[data-testid="stException"]').count() == 0
    notes = ("as chance alone allows", "within what chance alone gives")  # one per funnel
    assert sum(page.get_by_text(note, exact=False).count() for note in notes) == 2
    assert page.get_by_text("Not enough courses yet (fewer than", exact=False).count() == 1
    assert page.get_by_text("not enough courses yet (", exact=False).count() == 2  # + CUSUM
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Providers").count() == 1


def test_cases_like_this_keeps_the_case_in_the_address(server, page):
    open_page(page, f"{server}/cases-like-this?like_indication=knee_oa", "Cases like this")
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(state="visible")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "like_indication=knee_oa" in page.url
    picker = page.locator('[data-testid="stMain"]').get_by_role("combobox", name="Indication")
    assert picker.input_value() == "knee_oa"  # a selectbox is a combobox (engineering.md)
