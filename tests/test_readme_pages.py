"""The README's page list and screenshots are the browser suite's (issue 11, item 4).

``make screenshots`` walks every role in Chromium (tests/test_browser_roles.py) and publishes
its screenshots and table (ozone_testkit/readme_pages.py). These tests, with no browser,
fail when the README drifts from the menu the suite walks: a page added, removed or moved
between roles, a screenshot missing or left over, or the prose list of pages ("What it
shows") marking a page for the wrong role.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image

from dashboard.menu import PAGES, PROVIDER, ROLE_PAGES
from ozone_testkit import readme_pages
from ozone_testkit.readme_pages import GALLERY, LEAD, PUBLISHED, README, shot_name


def test_the_readme_table_of_pages_is_the_suites():
    assert readme_pages.readme_block(README.read_text()) == readme_pages.pages_block()


def test_every_published_screenshot_is_one_the_suite_takes_and_none_is_left_over():
    published = sorted(p.name for p in PUBLISHED.glob("*"))
    assert published == sorted(shot_name(role, key) for role, key in GALLERY)
    for name in published:
        with Image.open(PUBLISHED / name) as image:
            assert image.format == "PNG" and min(image.size) >= 600, name


def test_the_screenshot_near_the_top_is_from_the_gallery():
    top = "\n".join(README.read_text().splitlines()[:40])
    assert f"(docs/screenshots/{shot_name(*LEAD)})" in top
    assert LEAD in GALLERY


def test_the_prose_list_of_pages_marks_each_for_its_roles():
    """Each page's bullet in "What it shows" says (P) when a provider has it and (director)
    when only the director does, in the menu's order."""
    section = README.read_text().split("## What it shows", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- \*\*(.+?)\*\* \((P|director)\)", section, flags=re.M)
    expected = [
        (title, "P" if key in ROLE_PAGES[PROVIDER] else "director")
        for key, (title, _icon) in PAGES.items()
    ]
    assert bullets == expected


def test_publish_copies_the_gallery_and_rewrites_only_the_block(tmp_path):
    taken, published = tmp_path / "taken", tmp_path / "published"
    taken.mkdir()
    published.mkdir()
    (published / "stale.png").write_bytes(b"")
    for role, key in GALLERY:
        Image.new("RGB", (700, 900), (20, 40, 60)).save(taken / shot_name(role, key))
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{readme_pages.BEGIN}\nold rows\n{readme_pages.END}\nrest\n")
    names = readme_pages.publish(taken, published, readme)
    assert sorted(p.name for p in published.iterdir()) == sorted(names)
    assert readme.read_text() == f"# Title\n\n{readme_pages.pages_block()}\nrest\n"
    with Image.open(published / names[0]) as image:
        assert image.size == (700, 900) and image.getpixel((5, 5)) is not None


def test_publish_names_a_screenshot_the_suite_did_not_take(tmp_path):
    with pytest.raises(FileNotFoundError, match=shot_name(*GALLERY[0])):
        readme_pages.publish(tmp_path, tmp_path / "out", README)
