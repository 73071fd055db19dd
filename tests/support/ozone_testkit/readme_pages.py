"""The README's page list and screenshots, taken from the browser suite (issue 11, item 4).

- :func:`pages_block`: the table of pages between the README's ``BEGIN``/``END`` markers:
  every page of dashboard/menu.py, its address, which roles see it (``ROLE_PAGES``, the
  list tests/test_browser_roles.py walks) and its screenshot.
- ``GALLERY``: which of the suite's screenshots (``artifacts/screenshots/<role>-<page>.png``,
  ozone_testkit/browser_roles.py ``screenshot``) the README shows: every page as the director
  sees it, and My practice as a provider sees it.
- :func:`publish`: copy those screenshots into docs/screenshots/ (reduced to a 256-colour
  palette: a third of the size, the same pixels to the eye) and rewrite the README's block.
  ``make screenshots`` runs the roles suite with ``OZONE_PUBLISH_SCREENSHOTS=1``, which calls
  it when the walk is done; tests/test_docs_true.py checks the README against
  :func:`pages_block` and the folder against ``GALLERY``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PIL import Image

from dashboard.menu import DIRECTOR, PAGES, PROVIDER, ROLE_PAGES
from ozone_testkit import ROOT

README = ROOT / "README.md"
PUBLISHED = ROOT / "docs" / "screenshots"
TAKEN = ROOT / "artifacts" / "screenshots"
PUBLISH_ENV = "OZONE_PUBLISH_SCREENSHOTS"
BEGIN = "<!-- pages: written by the browser suite (make screenshots); do not edit by hand -->"
END = "<!-- end of pages -->"
LEAD = ("director", "patterns")  # the screenshot near the top of the README

GALLERY: tuple[tuple[str, str], ...] = (
    *(("director", key) for key in ROLE_PAGES[DIRECTOR]),
    ("provider", "my_practice"),
)


def shot_name(role: str, key: str) -> str:
    """The file name the suite saves page ``key`` of ``role`` under (browser_roles.py)."""
    return f"{role}-{key.replace('_', '-')}.png"


def address(key: str) -> str:
    """The page's own address (dashboard/menu.py: the key with "-" for "_"; the home page
    answers at ``/`` too)."""
    return "/" + key.replace("_", "-")


def pages_block() -> str:
    """The README's table of pages, from the menu and the roles the suite walks."""
    rows = [
        "| Page | Address | Director | Provider | Screenshot |",
        "|---|---|---|---|---|",
    ]
    for key, (title, _icon) in PAGES.items():
        shots = [
            f"[{role}](docs/screenshots/{shot_name(role, key)})"
            for role, page in GALLERY
            if page == key
        ]
        rows.append(
            f"| {title} | `{address(key)}` | "
            f"{'yes' if key in ROLE_PAGES[DIRECTOR] else 'no'} | "
            f"{'yes (own courses)' if key in ROLE_PAGES[PROVIDER] else 'no'} | "
            f"{', '.join(shots) or '-'} |"
        )
    return "\n".join([BEGIN, *rows, END])


def readme_block(text: str) -> str | None:
    """The block between the markers in ``text`` (markers included), or None."""
    found = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), text, flags=re.S)
    return found.group(0) if found else None


def publish(taken: Path = TAKEN, published: Path = PUBLISHED, readme: Path = README) -> list[str]:
    """Copy the ``GALLERY`` screenshots from ``taken`` into ``published`` (palette PNG),
    remove published screenshots no longer in it, rewrite the README's block; the names
    copied. Raises FileNotFoundError naming a screenshot the suite did not take."""
    published.mkdir(parents=True, exist_ok=True)
    names = [shot_name(role, key) for role, key in GALLERY]
    for name in names:
        with Image.open(taken / name) as image:
            image.convert("RGB").quantize(colors=256).save(published / name, optimize=True)
    for stale in {p.name for p in published.glob("*.png")} - set(names):
        (published / stale).unlink()
    text = readme.read_text()
    block = readme_block(text)
    if block is None:
        raise ValueError(f"{readme} has no {BEGIN!r} ... {END!r} block")
    readme.write_text(text.replace(block, pages_block()))
    return names


def publishing() -> bool:
    """Whether this run publishes its screenshots (``OZONE_PUBLISH_SCREENSHOTS=1``)."""
    return os.environ.get(PUBLISH_ENV) == "1"
