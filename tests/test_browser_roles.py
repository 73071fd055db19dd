"""Every page of every role in a real browser (issue 11: the browser suite; methods.md
section 6, "Roles").

Two deployments, one server each for the whole module:

- ``clinic_app``: the generated clinic loaded as a clinic's own extract (no synthetic
  manifest, so it opens only after sign-in; ozone_testkit/browser_roles.py
  ``unlabelled_clinic``), a users file with the director and provider ``PROVIDER``, every
  account with a password (the app's own sign-in form).
- ``server`` (tests/conftest.py): the synthetic clinic with no users file, the demo, which
  opens as the director without sign-in.

For the director, the provider and the demo, every page of the role (dashboard/menu.py
``ROLE_PAGES``) is opened through the menu and must show no exception, draw its charts where
it has any, and pass axe-core's WCAG 2.1 A/AA rules with no serious or critical violation;
its screenshot is saved to ``artifacts/screenshots/<role>-<page>.png``. Then a sidebar
filter is picked (the page reruns with fewer courses, the filter in its address) and a
table is downloaded and read back as CSV. An unlisted user sees the refusal sentence and
nothing else. The home page answers at its own address with the filters of a shared link.
"""

from __future__ import annotations

import re

import pytest

from dashboard.charts.providers import rates_columns
from dashboard.menu import DIRECTOR, PROVIDER, ROLE_PAGES
from ozone_testkit import accounts, readme_pages
from ozone_testkit.browser_roles import (
    EXCEPTION,
    accessibility_problems,
    changed,
    choose,
    chosen,
    courses,
    download_csv,
    open_from_menu,
    screenshot,
    unlabelled_clinic,
    walk,
)
from ozone_testkit.screens import open_page
from ozone_testkit.served import (
    DATA_TEST_IDS,
    DIRECTOR_MENU,
    MENU_LINK,
    PROVIDER_MENU,
    data_elements,
    menu,
    serving,
    settle,
    sign_in_with_password,
)
from queries.access import users
from queries.analytics.providers import PROVIDER_TABLE_COLUMNS
from queries.core.settings import Settings

pytestmark = pytest.mark.browser

PROVIDER_ID = "prov_08"  # the generated clinic's busiest provider
OTHER_PROVIDERS = re.compile(r"prov_(?!08)\d\d")
SITE, INDICATION = "Site", "Indication"  # two filters of the sidebar (dashboard/sidebar.py)
DATA_CHECKS_HEADER = "Check,What it looks for,Rows flagged,Status"


@pytest.fixture(scope="module", autouse=True)
def published_gallery():
    """With ``OZONE_PUBLISH_SCREENSHOTS=1`` (``make screenshots``), once every role has been
    walked: the README's screenshots and page list from this run (ozone_testkit/
    readme_pages.py)."""
    yield
    if readme_pages.publishing():
        readme_pages.publish()


@pytest.fixture(scope="module")
def clinic_app(chromium, tmp_path_factory):
    """(URL, users file) of the app serving the unlabelled clinic with password sign-in."""
    folder = tmp_path_factory.mktemp("roles_app")
    database = unlabelled_clinic(folder)
    path = accounts.write_users(folder / "users.toml", [PROVIDER_ID], password=accounts.PASSWORD)
    with serving(folder, database, users=path) as url:
        yield url, path


def sign_in(page, url: str, email: str) -> None:
    """Sign in with the password form and wait for the home page."""
    page.goto(url)
    sign_in_with_password(page, email, accounts.PASSWORD)
    page.get_by_text(f"Signed in as {email}").wait_for()
    page.get_by_role("heading", name="Overview", exact=True).wait_for()
    settle(page)


def assert_walks_cleanly(page, role_name: str, role: str) -> None:
    """Every page of ``role`` through the menu: no exception, charts drawn, no serious or
    critical accessibility violation (browser_roles.check_page), a screenshot of each."""
    assert menu(page) == (DIRECTOR_MENU if role == DIRECTOR else PROVIDER_MENU)
    assert walk(page, role_name, ROLE_PAGES[role]) == {}


def assert_a_filter_reruns_the_page(page) -> None:
    """Pick an indication on the Overview: the page reruns without error, with fewer courses
    than the whole clinic (or the provider's whole practice: every provider of the generated
    clinic treats several indications, but prov_08 works at one site only) and the choice in
    its address."""
    open_from_menu(page, "overview")
    everyone = courses(page)
    indication = choose(page, INDICATION)
    assert chosen(page, INDICATION) == [indication]
    assert 0 < changed(page, courses, everyone) < everyone
    assert f"indication={indication}" in page.url
    assert page.locator(EXCEPTION).count() == 0


# --- the roles ------------------------------------------------------------------------------


def test_the_director_opens_every_page(clinic_app, page):
    url, _ = clinic_app
    sign_in(page, url, accounts.DIRECTOR)
    assert_walks_cleanly(page, "director", DIRECTOR)
    open_from_menu(page, "providers")
    page.get_by_text("Provider table", exact=False).click()  # the table is in an expander
    lines = download_csv(page, "providers.csv")
    assert lines[0] == ",".join(PROVIDER_TABLE_COLUMNS)
    assert PROVIDER_ID in "\n".join(lines[1:])  # every provider is listed for the director
    assert_a_filter_reruns_the_page(page)


def test_a_provider_opens_their_pages_and_downloads_only_their_own(clinic_app, page):
    url, _ = clinic_app
    sign_in(page, url, accounts.provider_email(PROVIDER_ID))
    assert_walks_cleanly(page, "provider", PROVIDER)
    open_from_menu(page, "my_practice")
    lines = download_csv(page, "my_outcomes.csv")
    assert lines[0] == ",".join(rates_columns(Settings()).values())
    assert len(lines) > 1
    assert not OTHER_PROVIDERS.search("\n".join(lines))  # no other provider's id
    assert_a_filter_reruns_the_page(page)


def test_the_demo_opens_every_page_without_sign_in(server, page):
    open_page(page, server, "Overview")
    assert page.get_by_text("Synthetic data").first.is_visible()
    assert_walks_cleanly(page, "demo", DIRECTOR)
    open_from_menu(page, "data")
    lines = download_csv(page, "data_checks.csv")
    assert lines[0] == DATA_CHECKS_HEADER
    assert any(line.startswith("courses_without_baseline,") for line in lines)
    assert_a_filter_reruns_the_page(page)


def test_an_unlisted_user_sees_only_the_refusal(clinic_app, page):
    """An account taken off the clinic's list while signed in: its next click gets the one
    refusal sentence (dashboard/auth.py ``refuse``), no menu, no filter, no number. (An email
    never listed cannot sign in with a password at all: tests/test_browser_sign_in.py.)"""
    url, path = clinic_app
    users.add_user(path, accounts.UNLISTED, "provider", PROVIDER_ID, password=accounts.PASSWORD)
    sign_in(page, url, accounts.UNLISTED)
    users.remove_user(path, accounts.UNLISTED)
    page.locator(MENU_LINK).filter(has_text="Patterns").click()
    refusal = page.get_by_text(f"{accounts.UNLISTED} is not on this clinic's list of users.")
    refusal.wait_for()
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    alerts = main.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]')
    assert alerts.all_inner_texts() == [
        f"{accounts.UNLISTED} is not on this clinic's list of users. Ask the clinic director "
        "to add you."
    ]
    assert data_elements(page) == dict.fromkeys(DATA_TEST_IDS, 0)
    assert page.locator('[data-testid="stSidebar"] :is(input, [role=combobox])').count() == 0
    assert not re.search(r"\d", main.inner_text())
    assert page.locator(EXCEPTION).count() == 0
    assert accessibility_problems(page) == []
    screenshot(page, "unlisted", "refusal")


# --- every page at its own address ----------------------------------------------------------


def test_the_home_page_answers_at_its_own_address_with_a_shared_links_filters(server, page):
    open_page(page, server, "Overview")  # the root is the home page
    everyone = courses(page)
    open_page(page, f"{server}/overview?site=site_a", "Overview")
    assert page.get_by_text("Page not found").count() == 0
    assert chosen(page, SITE) == ["site_a"]
    assert 0 < courses(page) < everyone
    assert menu(page) == DIRECTOR_MENU  # its second address is no second menu entry
    open_page(page, f"{server}/safety?site=site_b&site=site_c", "Safety & screening")
    assert page.get_by_text("Page not found").count() == 0
    assert chosen(page, SITE) == ["site_b", "site_c"]
    assert page.locator(EXCEPTION).count() == 0
