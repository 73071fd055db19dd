"""The served app in a real browser: Debian's Chromium driven by Playwright (sync API).

A fixture starts ``streamlit run dashboard/app.py`` on a free localhost port with
``OUTCOMES_DB`` set to a small synthetic clinic (tests/conftest.py), logging to a file, and
polls ``/_stcore/health``. After every navigation the tests wait for the app to be idle
(``data-test-script-state="notRunning"``), as Streamlit's own browser tests do
(docs/engineering.md "A real browser in tests").

Without /usr/bin/chromium the tests skip with the reason, except in CI (``CI=true``), where
a missing browser fails the run. ``OUTCOMES_SCREENSHOTS=1`` saves the Patterns page to
docs/screenshots/patterns.png (the README shows it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# Needed as root and offline (docs/engineering.md); the resolver rule stops Chromium from
# looking up Google hosts.
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
SCREENSHOT = ROOT / "docs" / "screenshots" / "patterns.png"
VIEWPORT = {"width": 1400, "height": 2200}  # the app scrolls an inner panel: no full_page
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 30_000  # the first render loads ~4.7 MB of plotly.js
SERVER_START_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"Debian chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}: browser tests must run in CI")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(chromium: Path, synthetic_clinic_db: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as the README starts it (``ozone-outcomes serve``, which runs ``streamlit run``
    headless on 127.0.0.1 without usage stats); yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTCOMES_")}
    command = [sys.executable, "-m", "queries.cli", "serve", "--db", str(synthetic_clinic_db),
               "--port", str(port), "--address", "127.0.0.1"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{_log_tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {SERVER_START_S} s:\n{_log_tail(log)}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(chromium: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def open_page(page, url: str, title: str) -> None:
    """Go to ``url`` and wait until the page's title is drawn and the script is idle."""
    page.goto(url)
    page.get_by_role("heading", name=title, exact=True).wait_for()
    page.wait_for_selector(IDLE)


def test_patterns_page_draws_its_charts(server, page):
    # The first request to a fresh server is a deep link: it must go through the router.
    open_page(page, f"{server}/patterns", "Patterns")
    page.wait_for_function(
        """n => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                  .filter(c => c.querySelector('.main-svg')).length >= n""", arg=6)
    page.wait_for_selector(IDLE)
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').first.is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Synthetic data", exact=False).first.is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Data").count() >= 1
    if os.environ.get("OUTCOMES_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(500)  # let plotly finish its transitions
        page.screenshot(path=str(SCREENSHOT))


def _courses(page) -> int:
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Courses") \
        .locator('[data-testid="stMetricValue"]').first.inner_text()
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
