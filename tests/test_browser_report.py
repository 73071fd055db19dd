"""The report in a real Chromium, offline (issue 11: "the report opens offline in Chromium with
its charts drawn and every section present; its PDF holds the same sections").

- The director's report of the synthetic clinic, opened from ``file://`` with every request
  that is not the file itself refused (and recorded): every section heading, every chart
  drawn by plotly.js (``.js-plotly-plot .main-svg``), none marked failed, no script error.
- Its PDF, printed by Chromium (dashboard/report/pdf.py) beside it by the same
  ``ozone-outcomes report --pdf`` run, read back with pypdf: the same headings, every section
  from a page of its own.
- A provider signed in to the served app downloads the report from a page's sidebar button
  and opens the file offline: their sections, charts drawn, no other provider named.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard.report.button import FILE_NAME, LABEL
from ozone_testkit import accounts
from ozone_testkit.browser_roles import open_from_menu, unlabelled_clinic
from ozone_testkit.command_line import ozone_outcomes
from ozone_testkit.report_sections import DIRECTOR_HEADINGS, PROVIDER_HEADINGS
from ozone_testkit.served import serving, settle, sign_in_with_password

pytestmark = pytest.mark.browser

PROVIDER_ID = "prov_08"
OTHER_PROVIDERS = re.compile(r"\bprov_(?!08\b)\d\d\b")
READY_MS = 120_000
DOWNLOAD_MS = 180_000  # the report is built on the click: every page's figures at once


@pytest.fixture(scope="module")
def director_files(chromium, synthetic_clinic_db, tmp_path_factory) -> tuple[Path, Path]:
    """The director's report of the synthetic clinic and its PDF, as ``ozone-outcomes report
    --out FILE.html --pdf FILE.pdf`` writes them."""
    folder = tmp_path_factory.mktemp("report")
    html, pdf = folder / "report.html", folder / "report.pdf"
    env = {"OUTCOMES_AUDIT_LOG": str(folder / "audit.jsonl")}
    done = ozone_outcomes(
        "report", "--db", str(synthetic_clinic_db), "--out", str(html), "--pdf", str(pdf), env=env
    )
    assert done.returncode == 0, done.stderr
    return html, pdf


@pytest.fixture(scope="module")
def director_report(director_files) -> Path:
    return director_files[0]


def open_offline(browser, path: Path) -> tuple[object, list[str], list[str]]:
    """``path`` opened from file:// in a fresh context with every other request refused:
    the page once every chart is drawn, the requests refused, the script errors."""
    context = browser.new_context(viewport={"width": 1200, "height": 1600})
    page = context.new_page()
    refused: list[str] = []
    errors: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.reportReady === true", timeout=READY_MS)
    return page, refused, errors


def section_headings(page) -> list[str]:
    return [h.strip() for h in page.locator("section.report-section > h2").all_inner_texts()]


def assert_drawn(page) -> int:
    """Every chart drawn, none failed; how many."""
    charts = page.locator(".chart")
    n = charts.count()
    assert n > 0
    drawn = page.evaluate(
        "[...document.querySelectorAll('.chart')]"
        ".filter(c => c.matches('.js-plotly-plot') && c.querySelector('.main-svg')).length"
    )
    assert drawn == n
    assert page.locator(".chart[data-drawn=true]").count() == n
    assert page.locator(".chart.failed").count() == 0
    return n


def test_the_report_opens_offline_with_every_section_and_chart(browser, director_report):
    page, refused, errors = open_offline(browser, director_report)
    try:
        assert section_headings(page) == DIRECTOR_HEADINGS
        assert assert_drawn(page) >= 15
        assert refused == [] and errors == []
        assert page.get_by_text("Synthetic data").first.is_visible()
    finally:
        page.context.close()


def test_the_pdf_holds_the_same_sections_a_page_each(director_files):
    reader = PdfReader(director_files[1])
    pages = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]
    text = "\n".join(pages)
    assert [h for h in DIRECTOR_HEADINGS if h not in text] == []
    starts = [i for h in DIRECTOR_HEADINGS for i, p in enumerate(pages) if h in p.split("\n")[:3]]
    assert len(starts) >= len(DIRECTOR_HEADINGS) - 1  # the first shares its page with the title
    assert len(reader.pages) >= len(DIRECTOR_HEADINGS)
    # the charts print as drawn figures: their titles are in the text of the PDF
    assert "Responder rate by provider, crude" in text


@pytest.fixture(scope="module")
def clinic_app(chromium, tmp_path_factory):
    """The unlabelled clinic served with password sign-in for the director and PROVIDER_ID."""
    folder = tmp_path_factory.mktemp("report_app")
    database = unlabelled_clinic(folder)
    path = accounts.write_users(folder / "users.toml", [PROVIDER_ID], password=accounts.PASSWORD)
    with serving(folder, database, users=path) as url:
        yield url


def download_report(page, folder: Path) -> Path:
    """Click the sidebar's report button on the page on screen; the file saved."""
    button = page.locator('[data-testid="stSidebar"]').get_by_role("button", name=LABEL)
    settle(page)
    with page.expect_download(timeout=DOWNLOAD_MS) as download:
        button.click()
    assert download.value.suggested_filename == FILE_NAME
    saved = folder / FILE_NAME
    download.value.save_as(saved)
    return saved


def test_a_provider_downloads_the_report_from_a_page_and_opens_it_offline(
    clinic_app, browser, page, tmp_path
):
    email = accounts.provider_email(PROVIDER_ID)
    page.goto(clinic_app)
    sign_in_with_password(page, email, accounts.PASSWORD)
    page.get_by_text(f"Signed in as {email}").wait_for()
    open_from_menu(page, "patterns")
    saved = download_report(page, tmp_path)
    text = saved.read_text(encoding="utf-8")
    assert OTHER_PROVIDERS.findall(text) == []
    opened, refused, errors = open_offline(browser, saved)
    try:
        assert section_headings(opened) == PROVIDER_HEADINGS
        assert_drawn(opened)
        assert refused == [] and errors == []
        assert opened.get_by_text(f"provider {PROVIDER_ID}'s own courses").count() == 1
    finally:
        opened.context.close()


def test_the_demo_downloads_the_report_with_a_pages_filter_and_opens_it_offline(
    server, browser, page, tmp_path
):
    """The synthetic demo (no sign-in), on Safety & screening with one site chosen in its
    address: the director's sections, labelled synthetic, for that site only."""
    page.goto(f"{server}/safety?site=site_b")
    page.get_by_role("heading", name="Safety & screening", exact=True).wait_for()
    saved = download_report(page, tmp_path)
    opened, refused, errors = open_offline(browser, saved)
    try:
        assert section_headings(opened) == DIRECTOR_HEADINGS
        assert_drawn(opened)
        assert refused == [] and errors == []
        header = opened.locator("header").first.inner_text()
        assert "site_b" in header and "site_a" not in header
        assert opened.get_by_text("Synthetic data", exact=False).count() >= 1
    finally:
        opened.context.close()


def test_the_director_downloads_the_report_from_a_page_and_opens_it_offline(
    clinic_app, browser, page, tmp_path
):
    """Signed in, on Providers: every section of the director's report, every provider
    named in it (the director's view), charts drawn offline."""
    page.goto(clinic_app)
    sign_in_with_password(page, accounts.DIRECTOR, accounts.PASSWORD)
    page.get_by_text(f"Signed in as {accounts.DIRECTOR}").wait_for()
    open_from_menu(page, "providers")
    saved = download_report(page, tmp_path)
    assert PROVIDER_ID in saved.read_text(encoding="utf-8")
    opened, refused, errors = open_offline(browser, saved)
    try:
        assert section_headings(opened) == DIRECTOR_HEADINGS
        assert_drawn(opened)
        assert refused == [] and errors == []
    finally:
        opened.context.close()
