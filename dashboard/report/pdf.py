"""The report printed to PDF by Chromium, for people who print: the HTML file opened offline
in Debian's Chromium (docs/engineering.md, "A real browser in tests"), driven by Playwright,
and printed once ``window.reportReady`` says every chart is drawn, so the PDF holds the same
sections with the same charts as static (vector) images.

The page is laid out at the printed width, so the charts are drawn at the size they print;
every request but the file itself is refused, so the PDF proves the file is self-contained.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [  # as root and offline (docs/engineering.md)
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
PRINT_WIDTH_PX = 688  # A4 (210 mm) less 2 x 14 mm margins, at 96 px per inch
READY_TIMEOUT_MS = 120_000
MARGIN = dict.fromkeys(("top", "right", "bottom", "left"), "14mm")


class PdfUnavailable(RuntimeError):
    """The PDF cannot be printed here (no Playwright, no Chromium, or it failed)."""


def chromium_path() -> Path:
    """Debian's Chromium, else a ``chromium`` on PATH."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        raise PdfUnavailable(
            "the PDF needs Chromium (apt-get install -y chromium); the HTML report was written"
        )
    return Path(found)


def _offline(route) -> None:  # type: ignore[no-untyped-def]
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the report at ``html_path`` to ``pdf_path`` (module doc)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfUnavailable(
            "the PDF needs the playwright package (pip install 'ozone-outcomes[pdf]'); the "
            "HTML report was written"
        ) from None
    chromium = chromium_path()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
            try:
                page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
                page.route("**/*", _offline)
                page.goto(html_path.resolve().as_uri())
                page.wait_for_function("window.reportReady === true", timeout=READY_TIMEOUT_MS)
                page.pdf(path=str(pdf_path), format="A4", print_background=True, margin=MARGIN)
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PdfUnavailable(f"Chromium could not print the PDF ({first})") from None
