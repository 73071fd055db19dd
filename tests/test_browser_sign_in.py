"""Signing in to the served app in Chromium (methods.md section 6, "Roles"; issue 8 "Done
when": a browser test signs in through a local mock OpenID provider and lands on the role's
pages; one signs in with a local account).

Two deployments of the fixture clinic (a database of real courses, so it never opens
without sign-in), each with a users file holding the director and provider P_A
(ozone_testkit/accounts.py):

- ``oidc_app``: ``[auth]`` in ``.streamlit/secrets.toml`` pointing at the local mock
  identity provider (ozone_testkit/oidc.py); nobody has a password. ``st.login`` sends the
  browser to the mock, the mock back to ``/oauth2callback``, and the users file decides the
  role of the email the mock vouched for.
- ``local_app``: no identity provider; everyone has a password (argon2id) and signs in with
  the app's own form.

What each test measures: the menu is exactly the role's pages (a page not in it cannot be
reached), the sidebar names who signed in, and whoever is not signed in, not listed or
refused sees no page, no menu, no filter and no number.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ozone_testkit import accounts, fixture_clinic, oidc
from ozone_testkit.served import (
    DATA_TEST_IDS,
    DIRECTOR_MENU,
    PROVIDER_MENU,
    data_elements,
    free_port,
    menu,
    serving,
    settle,
    sign_in_with_password,
)
from queries.data.loading import load_folder

pytestmark = pytest.mark.browser

PROVIDER = "P_A"  # a provider of the fixture clinic
SIGN_IN = "Sign in with your clinic account"
NO_DATA = dict.fromkeys(DATA_TEST_IDS, 0)
SIDEBAR = '[data-testid="stSidebar"]'
CONTROLS = "input, [role=combobox], [role=slider], [role=checkbox], [role=switch]"


@pytest.fixture(scope="module")
def clinic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture clinic in a database of this module's own (its audit log too)."""
    tmp = tmp_path_factory.mktemp("sign_in_clinic")
    load_folder(fixture_clinic.write(tmp / "extract"), tmp / "clinic.duckdb")
    return tmp / "clinic.duckdb"


@pytest.fixture(scope="module")
def oidc_app(chromium, clinic_db, tmp_path_factory):
    """(app URL, mock provider URL): the app signing in through the mock identity provider."""
    folder = tmp_path_factory.mktemp("oidc_app")
    users = accounts.write_users(folder / "users.toml", [PROVIDER])
    with oidc.mock_provider(folder) as provider_url:
        port = free_port()
        oidc.write_auth_secrets(folder, f"http://127.0.0.1:{port}", provider_url)
        with serving(folder, clinic_db, port, users=users) as url:
            yield url, provider_url


@pytest.fixture(scope="module")
def local_app(chromium, clinic_db, tmp_path_factory):
    """The app's URL: local accounts only, every user with ``accounts.PASSWORD``."""
    folder = tmp_path_factory.mktemp("local_app")
    users = accounts.write_users(folder / "users.toml", [PROVIDER], password=accounts.PASSWORD)
    with serving(folder, clinic_db, users=users) as url:
        yield url


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def assert_sees_nothing(page) -> None:
    """No menu, no data-bearing element, no sidebar filter and no digit on the page."""
    assert data_elements(page) == NO_DATA
    assert page.locator(f"{SIDEBAR} :is({CONTROLS})").count() == 0  # no filter, no value
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not re.search(r"\d", main_text(page)), main_text(page)


def sign_in_through_the_provider(page, app_url: str, provider_url: str, email: str) -> None:
    page.goto(app_url)
    page.get_by_role("button", name=SIGN_IN).click()
    oidc.authorize(page, provider_url, email)
    page.wait_for_url(f"{app_url}/**")


def landed(page, email: str, heading: str = "Overview") -> None:
    """Wait for the home page of a signed-in user: the sidebar's "Signed in as", the title."""
    page.locator('[data-testid="stSidebar"]').get_by_text(f"Signed in as {email}").wait_for()
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


# --- through the identity provider ----------------------------------------------------------


def test_signed_out_sees_the_sign_in_button_and_nothing_else(oidc_app, page):
    app_url, _ = oidc_app
    for address in (app_url, f"{app_url}/providers", f"{app_url}/data?severity=kl_3"):
        page.goto(address)
        page.get_by_role("button", name=SIGN_IN).wait_for()
        settle(page)
        assert page.get_by_role("button", name=SIGN_IN).count() == 1
        # nobody has a password in this deployment: no password form either
        assert page.get_by_role("textbox", name="Password").count() == 0
        assert_sees_nothing(page)


def test_a_provider_signs_in_through_the_identity_provider_to_their_pages(oidc_app, page):
    app_url, provider_url = oidc_app
    email = accounts.provider_email(PROVIDER)
    sign_in_through_the_provider(page, app_url, provider_url, email)
    landed(page, email)
    assert menu(page) == PROVIDER_MENU
    assert page.get_by_role("button", name="Sign out").count() == 1
    # a director's page is not reached by its address either: the menu's home opens instead
    page.goto(f"{app_url}/providers")
    landed(page, email)
    assert menu(page) == PROVIDER_MENU
    assert page.get_by_role("heading", name="Providers", exact=True).count() == 0


def test_the_director_signs_in_through_the_identity_provider_to_every_page(oidc_app, page):
    app_url, provider_url = oidc_app
    sign_in_through_the_provider(page, app_url, provider_url, accounts.DIRECTOR)
    landed(page, accounts.DIRECTOR)
    assert menu(page) == DIRECTOR_MENU
    page.goto(f"{app_url}/providers")  # the sign-in cookie carries over to a new address
    landed(page, accounts.DIRECTOR, "Providers")


def test_an_unlisted_email_is_refused_in_one_sentence(oidc_app, page):
    app_url, provider_url = oidc_app
    sign_in_through_the_provider(page, app_url, provider_url, accounts.UNLISTED)
    page.get_by_text("is not on this clinic's list").wait_for()
    settle(page)
    assert_sees_nothing(page)
    assert page.get_by_role("button", name="Sign out").count() == 1


# --- with a local account -------------------------------------------------------------------


def test_a_local_account_signs_in_with_its_password(local_app, page):
    email = accounts.provider_email(PROVIDER)
    page.goto(local_app)
    page.get_by_role("textbox", name="Password").wait_for()
    assert page.get_by_role("button", name=SIGN_IN).count() == 0  # no identity provider here
    assert_sees_nothing(page)
    sign_in_with_password(page, email, accounts.PASSWORD)
    landed(page, email)
    assert menu(page) == PROVIDER_MENU
    # the sign-in holds while moving between pages of the menu
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Patterns", exact=True).click()
    landed(page, email, "Patterns")


def test_a_wrong_password_is_refused_and_shows_nothing(local_app, page):
    page.goto(local_app)
    sign_in_with_password(page, accounts.DIRECTOR, "not the password of this account")
    page.get_by_text("do not match an account here").wait_for()
    settle(page)
    assert page.get_by_role("textbox", name="Password").count() == 1  # still the form, to try again
    assert page.get_by_text("Signed in as").count() == 0
    assert_sees_nothing(page)
