"""Sign-in (issue 8, methods.md section 6 "Roles"; dashboard/auth.py), in AppTest.

Who is who comes from the users file; ``AppTest.user`` stands for the identity provider
(``{"is_logged_in": True, "email": E}``), the form for a local account. Nobody signed in, or
an email the file does not list, sees one sentence (and the ways in) and no data at all:
no sidebar filter, no metric, no table, no chart, no number of the clinic. The synthetic
demo alone opens without sign-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import auth, menu
from ozone_testkit import accounts
from ozone_testkit.screens import charts, open_app, start_app
from queries.access import users
from queries.analytics import checks
from queries.data import db
from queries.data.loading import load_folder

PROVIDER = "P_B"


def no_data(at) -> None:
    """Nothing of the clinic is on the screen: no widget of the sidebar but the sign-in's,
    no metric, table or chart, and no filter value."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.sidebar.multiselect and not at.sidebar.slider
    assert not at.get("download_button")


def reachable(at, page: str) -> bool:
    """Whether ``views/<page>.py`` is in this run's navigation (AppTest refuses a page that
    is not: a page not in the list cannot be reached)."""
    try:
        at.switch_page(f"views/{page}.py")
    except ValueError:
        return False
    return True


# --- nobody signed in, an unlisted email ---------------------------------------------------


def test_signed_out_on_real_data_without_a_way_in_says_what_to_set_up(fixture_env, monkeypatch):
    accounts.as_user(monkeypatch, None)
    at = start_app()
    no_data(at)
    assert auth.NO_WAY_IN in at.warning[0].value
    assert not at.text_input  # no password form: nobody in the file has a password


@pytest.mark.parametrize("page", ["providers", "my_practice", "data", "audit"])
def test_signed_out_reaching_a_page_by_its_address_gets_the_sign_in_page(
    fixture_env, monkeypatch, page
):
    accounts.as_user(monkeypatch, None)
    at = start_app()
    assert not reachable(at, page)
    no_data(at)


def test_an_unlisted_email_is_refused_in_one_sentence(fixture_env, monkeypatch):
    accounts.as_user(monkeypatch, accounts.UNLISTED)
    at = start_app()
    no_data(at)
    (warning,) = at.warning
    assert warning.value.startswith(f"{accounts.UNLISTED} is not on this clinic's list")
    assert [b.label for b in at.button] == [auth.SIGN_OUT_BUTTON]


def test_an_unlisted_user_signing_out_is_signed_out(fixture_env, monkeypatch):
    accounts.as_user(monkeypatch, accounts.UNLISTED)
    at = start_app()
    at.button[0].click().run()
    assert at.user == accounts.SIGNED_OUT  # st.logout ended the identity provider's session
    no_data(at)


def test_an_unreadable_users_file_lets_nobody_in(fixture_env, monkeypatch, users_file):
    users_file.write_text("[users.broken\n")
    at = start_app()
    no_data(at)
    assert "users file cannot be read" in at.error[0].value


# --- roles from the users file -------------------------------------------------------------


def test_the_director_signed_in_reaches_every_page(fixture_env):
    at = start_app()
    assert not at.exception
    assert f"Signed in as {accounts.DIRECTOR}" in " ".join(c.value for c in at.sidebar.caption)
    for page in menu.ROLE_PAGES["director"]:
        assert reachable(at, page), page


def test_a_provider_signed_in_reaches_exactly_the_provider_pages(fixture_env, monkeypatch):
    accounts.as_provider(monkeypatch, PROVIDER)
    at = start_app()
    assert not at.exception
    for page in menu.PAGES:
        assert reachable(at, page) == (page in menu.ROLE_PAGES["provider"]), page


def test_a_provider_sees_their_own_courses_whatever_the_address_says(fixture_env, monkeypatch):
    accounts.as_provider(monkeypatch, PROVIDER)
    at = open_app("my_practice", {"preview_provider": "P_A", "scope": "clinic"})
    assert not at.selectbox  # no preview picker: that is a director's
    assert "P_A" not in " ".join(c.value for c in at.caption)


def test_the_email_is_matched_without_regard_to_case(fixture_env, monkeypatch):
    accounts.as_user(monkeypatch, accounts.DIRECTOR.upper())
    at = start_app()
    assert not at.exception and at.metric


def test_a_user_removed_from_the_file_is_refused_on_the_next_run(fixture_env, monkeypatch):
    email = accounts.as_provider(monkeypatch, PROVIDER)
    at = start_app()
    assert at.metric
    users.remove_user(accounts.users_file(), email)
    at.run()
    no_data(at)


# --- local accounts ------------------------------------------------------------------------


@pytest.fixture()
def with_passwords(fixture_env, monkeypatch, tmp_path) -> Path:
    path = accounts.write_users(tmp_path / "local.toml", [PROVIDER], password=accounts.PASSWORD)
    monkeypatch.setenv(users.USERS_ENV, str(path))
    accounts.as_user(monkeypatch, None)  # nobody signed in through an identity provider
    return path


def _sign_in(at, email: str, password: str):
    (email_box,) = [t for t in at.text_input if t.label == "Email"]
    (password_box,) = [t for t in at.text_input if t.label == "Password"]
    email_box.input(email)
    password_box.input(password)
    (submit,) = [b for b in at.button if b.label == "Sign in"]
    return submit.click().run()


def test_a_local_account_signs_in_with_its_password(with_passwords):
    at = start_app()
    no_data(at)
    _sign_in(at, accounts.provider_email(PROVIDER), accounts.PASSWORD)
    assert not at.exception and at.metric
    assert not reachable(at, "providers")
    assert reachable(at, "my_practice")


def test_a_wrong_password_is_refused_and_shows_nothing(with_passwords):
    throttle = users.LoginThrottle(sleep=lambda s: None)
    users.THROTTLE.__dict__.update(throttle.__dict__)  # no real waiting in the test
    at = _sign_in(start_app(), accounts.DIRECTOR, "not the password at all")
    no_data(at)
    assert "do not match" in at.error[0].value
    at = _sign_in(at, accounts.UNLISTED, accounts.PASSWORD)  # an unknown email: the same
    assert "do not match" in at.error[0].value
    no_data(at)


def test_signing_out_of_a_local_account_returns_to_the_form(with_passwords):
    at = _sign_in(start_app(), accounts.DIRECTOR, accounts.PASSWORD)
    assert at.metric
    (sign_out,) = [b for b in at.sidebar.button if b.label == auth.SIGN_OUT_BUTTON]
    sign_out.click().run()
    no_data(at)
    assert [t.label for t in at.text_input] == ["Email", "Password"]


# --- the synthetic demo --------------------------------------------------------------------


@pytest.fixture()
def demo(synthetic_env, monkeypatch) -> Path:
    monkeypatch.delenv(users.USERS_ENV)
    accounts.as_user(monkeypatch, None)
    return synthetic_env


def test_the_synthetic_demo_opens_without_sign_in_as_the_director(demo):
    at = start_app()
    assert not at.exception and at.metric
    assert any("Synthetic data" in w.value for w in at.warning)
    assert reachable(at, "providers")


def test_view_as_a_provider_is_that_providers_exact_view(demo, monkeypatch):
    at = start_app()
    (toggle,) = [t for t in at.sidebar.toggle if t.label == auth.PREVIEW_TOGGLE]
    toggle.set_value(True).run()
    (picker,) = [s for s in at.sidebar.selectbox if s.label == auth.PREVIEW_PICKER]
    chosen = picker.options[0]
    picker.select(chosen).run()
    assert not reachable(at, "providers")
    at.switch_page("views/my_practice.py").run()
    preview = charts(at)

    monkeypatch.setenv(users.USERS_ENV, str(accounts.write_users(demo.with_suffix(".toml"))))
    accounts.as_provider(monkeypatch, chosen)
    signed_in = charts(open_app("my_practice"))
    assert preview == signed_in


def test_a_synthetic_database_with_a_users_file_asks_for_sign_in(synthetic_env, monkeypatch):
    accounts.as_user(monkeypatch, None)
    no_data(start_app())


def test_one_real_load_among_synthetic_ones_makes_the_database_real(synthetic_clinic_db, tmp_path):
    from ozone_testkit import fixture_clinic

    copy = tmp_path / "mixed.duckdb"
    copy.write_bytes(synthetic_clinic_db.read_bytes())
    with db.connect(copy, read_only=True) as con:
        assert checks.only_synthetic(con)
    load_folder(fixture_clinic.write(tmp_path / "extract"), copy)
    with db.connect(copy, read_only=True) as con:
        assert checks.is_synthetic(con) and not checks.only_synthetic(con)
