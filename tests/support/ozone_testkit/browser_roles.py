"""Walking every page of a role in Chromium, for tests/test_browser_roles.py.

- :func:`unlabelled_clinic`: the generator's clinic written as a clinic's own extract
  (without the ``synthetic.json`` manifest) and loaded, so the app treats it as real
  courses: it opens only after sign-in, with the users file deciding the role
  (methods.md section 6, "Roles"), and it is big enough for every chart to be drawn.
- :func:`walk`: open each page of a role through the sidebar menu (a password sign-in lives
  in the browser's session, so the menu, not a new address, moves between pages), wait for
  its charts, save a screenshot to ``artifacts/screenshots/<role>-<page>.png`` (.ci/run leaves
  the folder in the checkout) and run axe-core (the ``axe-playwright-python`` wheel ships
  ``axe.min.js``: nothing is fetched) for WCAG 2.1 AA; what goes wrong is returned per page.
- :func:`choose`, :func:`chosen`, :func:`courses`, :func:`download_csv`: a sidebar filter
  picked as a person picks it, what a multiselect holds, the Overview's course count, and a
  table's CSV downloaded through its button.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dashboard.menu import PAGES
from ozone_testkit.readme_pages import TAKEN as SCREENSHOTS
from ozone_testkit.readme_pages import shot_name
from ozone_testkit.served import MENU_LINK, settle
from queries.data.contract import SYNTHETIC_MANIFEST
from queries.data.loading import load_folder
from sample_data.generator import generate_clinic, write_clinic

COURSES, SEED = 2000, 20261125  # as tests/conftest.py's synthetic clinic: charts look real
EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stPlotlyChart"]'
# The pages that draw at least one Plotly chart for every role that has them.
CHART_PAGES = frozenset(
    {"patterns", "providers", "my_practice", "timeline", "safety", "cases_like_this"}
)
PLOTLY_SETTLE_MS = 500  # plotly's transitions, before a screenshot
RERUN_TIMEOUT_S, POLL_MS = 30, 100
DOWNLOAD_TRIES, DOWNLOAD_TIMEOUT_MS = 2, 60_000
# Every chart element on the page drawn (its SVG in place) and at least ``min`` of them.
CHARTS_DRAWN = f"""min => {{
    const charts = [...document.querySelectorAll('{CHART}')];
    return charts.length >= min && charts.every(c => c.querySelector('.js-plotly-plot .main-svg'));
}}"""

# axe-core: the WCAG 2.0 and 2.1 A and AA rules; serious and critical violations fail.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# Violations in Streamlit's own markup that the app cannot change: rule id -> why. Empty:
# the one found so far, color-contrast of every st.caption (Streamlit draws captions in the
# text colour at 60 % opacity, 3.9:1 with its default text colour), is fixed by the app's
# theme (dashboard/.streamlit/config.toml textColor). Add an entry only with its reason.
ALLOWED_VIOLATIONS: dict[str, str] = {}

_axe = Axe()


def unlabelled_clinic(folder: Path) -> Path:
    """The generated clinic (``COURSES``, ``SEED``) loaded from an extract without its
    synthetic manifest: a database the app reads as real courses."""
    extract = folder / "extract"
    write_clinic(generate_clinic(COURSES, SEED), extract)
    (extract / SYNTHETIC_MANIFEST).unlink()
    load_folder(extract, folder / "clinic.duckdb")
    return folder / "clinic.duckdb"


def title(key: str) -> str:
    """The menu title and heading of page ``key`` (dashboard/menu.py)."""
    return PAGES[key][0]


def open_from_menu(page, key: str) -> None:
    """Click page ``key`` in the sidebar menu; wait for its title and the idle script."""
    page.locator(MENU_LINK).filter(has_text=title(key)).first.click()
    page.get_by_role("heading", name=title(key), exact=True).wait_for()
    settle(page)


def wait_for_charts(page, minimum: int) -> int:
    """Wait until at least ``minimum`` charts are drawn and none is still empty; their
    number."""
    page.wait_for_function(CHARTS_DRAWN, arg=minimum)
    settle(page)
    return page.locator(CHART).count()


def accessibility_problems(page) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page (less
    ``ALLOWED_VIOLATIONS``), one line each: rule, impact, how many elements, the first."""
    found = _axe.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} elements, e.g. {v['nodes'][0]['html']}"
        for v in found
        if v["impact"] in BLOCKING_IMPACTS and v["id"] not in ALLOWED_VIOLATIONS
    ]


def screenshot(page, role: str, name: str) -> Path:
    """Save the viewport (the app scrolls an inner panel: the viewport is made tall instead
    of ``full_page``) to ``artifacts/screenshots/<role>-<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / shot_name(role, name)
    if page.locator(CHART).count():
        page.wait_for_timeout(PLOTLY_SETTLE_MS)
    page.screenshot(path=str(path))
    return path


def check_page(page, role: str, key: str) -> list[str]:
    """What is wrong with the page on screen: an exception shown, a chart page without a
    drawn chart, an accessibility violation. Saves its screenshot."""
    problems = []
    if key in CHART_PAGES:
        try:
            wait_for_charts(page, 1)
        except PlaywrightTimeout:  # recorded with the page; the walk goes on
            problems.append("no chart drawn")
    if page.get_by_text("Page not found").count():
        problems.append('"Page not found"')
    if page.locator(EXCEPTION).count():
        problems.append(f"{page.locator(EXCEPTION).count()} exception(s) shown")
    problems += accessibility_problems(page)
    screenshot(page, role, key)
    return problems


def walk(page, role: str, keys: tuple[str, ...]) -> dict[str, list[str]]:
    """Open every page of ``keys`` through the menu (the first is on screen already) and
    check it (:func:`check_page`); the pages with a problem, and what it is."""
    found = {}
    for i, key in enumerate(keys):
        if i:
            open_from_menu(page, key)
        if problems := check_page(page, role, key):
            found[key] = problems
    return found


# --- the sidebar's filters and the tables' downloads ----------------------------------------


def _multiselect(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True)
    )


def chosen(page, label: str) -> list[str]:
    """The values a sidebar multiselect holds (its tags), in order."""
    tags = _multiselect(page, label).locator('[aria-label="Selected values"] [data-tag]')
    return [tag.get_attribute("aria-label") for tag in tags.all()]


def choose(page, label: str, index: int = 0) -> str:
    """Pick option ``index`` of the sidebar multiselect ``label`` as a person does (open the
    list, click the option, close it); the option picked, once its tag shows. The rerun it
    starts may not have begun yet: wait for what it changes (:func:`changed`)."""
    box = _multiselect(page, label).get_by_role("combobox")
    box.click()
    option = page.get_by_role("option").filter(has_not_text="Select all").nth(index)
    value = option.inner_text().strip()
    option.click()
    page.keyboard.press("Escape")
    _multiselect(page, label).locator(f'[data-tag][aria-label="{value}"]').wait_for()
    settle(page)
    return value


def changed(page, read, before, timeout_s: float = RERUN_TIMEOUT_S):
    """What ``read(page)`` gives once it differs from ``before`` (right after a click the
    script may still be idle from the last run: docs/engineering.md), the script idle again;
    ``before`` itself if nothing changed within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while read(page) == before and time.monotonic() < deadline:
        page.wait_for_timeout(POLL_MS)
    settle(page)
    return read(page)


def courses(page) -> int:
    """The Overview's "Courses" box."""
    box = page.locator('[data-testid="stMetric"]').filter(has_text="Courses")
    return int(box.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))


def download_csv(page, file_name: str) -> list[str]:
    """Click the "Download CSV" button of the table saved as ``file_name`` (its widget key,
    dashboard/widgets.py ``table``); the lines of the file it gives."""
    key_class = "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", f"download_{file_name}")
    button = page.locator(f".{key_class}").get_by_role("button", name="Download CSV")
    settle(page)  # a click while the page still reruns can be lost
    button.scroll_into_view_if_needed()
    for attempt in range(DOWNLOAD_TRIES):
        try:
            # the file is built on the click (data=callable): slow on a loaded machine
            with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download:
                button.click()
            break
        except PlaywrightTimeout:
            if attempt == DOWNLOAD_TRIES - 1:
                raise
            settle(page)
    assert download.value.suggested_filename == file_name
    return Path(download.value.path()).read_text(encoding="utf-8").splitlines()
