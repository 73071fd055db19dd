"""Who is looking: sign-in, the clinic's users file, and the synthetic demo.

methods.md section 6 ("Roles"): a director sees every provider, a provider their own courses.
Streamlit has no roles (streamlit/streamlit#8518): the identity is an email, and the users
file (``OUTCOMES_USERS``, :mod:`queries.access.users`) says which role and provider it has.

- **Identity provider**: with ``[auth]`` in ``.streamlit/secrets.toml`` the sign-in page
  offers ``st.login`` (OpenID Connect: the clinic's Microsoft, Google or Okta accounts);
  ``st.user.email`` is the identity once ``st.user.is_logged_in``.
- **Local accounts**: users of the file with a ``password_hash`` sign in with the form
  (argon2id, a growing delay after each failure: ``users.sign_in``); the email is kept in
  this session only.
- **Nobody signed in**: the sign-in page and nothing else (no page, no sidebar, no data).
  A signed-in email that is not in the file gets one sentence and a sign-out button.
- **The synthetic demo** (every load synthetic, no users file, no ``[auth]``) opens without
  sign-in, as a director, with a "View as a provider" switch that shows a provider's exact
  view. A database holding any real load never opens without sign-in.

:func:`viewer` decides, drawing the sign-in page or the refusal and stopping the run when
there is nobody to show data to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from queries.access import users
from queries.core.scope import Scope
from queries.core.settings import ROLES, Settings

DIRECTOR, PROVIDER = ROLES
SIGN_IN_BUTTON = "Sign in with your clinic account"
SIGN_OUT_BUTTON = "Sign out"
PREVIEW_TOGGLE = "View as a provider"
PREVIEW_PICKER = "Provider"
SIGNED_IN_KEY = "signed_in_email"  # session state: the email of a password sign-in
IDENTITY_PROVIDER, PASSWORD, DEMO = "identity provider", "password", "demo"
NO_WAY_IN = (
    "This database holds real courses, so the app opens only after sign-in, and no way to "
    "sign in is configured. Whoever runs the app: set OUTCOMES_USERS to the clinic's users "
    "file and either configure an identity provider ([auth] in .streamlit/secrets.toml) or "
    "give users passwords (`ozone-outcomes users add EMAIL --role R --password-stdin`)."
)


@dataclass(frozen=True)
class Viewer:
    """Who this run serves: ``role`` and (a provider) ``provider_id`` from the users file;
    ``email`` None in the demo; ``method`` how they got in."""

    role: str
    provider_id: str | None
    email: str | None
    method: str

    @property
    def scope(self) -> Scope:
        """Whose courses: the clinic for a director, the provider's own for a provider."""
        if self.role == PROVIDER:
            return Scope.provider(str(self.provider_id))
        return Scope.clinic()

    @property
    def label(self) -> str:
        """Who the audit log names: the email, or the demo and whose view it previews."""
        if self.email is not None:
            return self.email
        if self.role == PROVIDER:
            return f"demo (no sign-in), viewing as provider {self.provider_id}"
        return "demo (no sign-in)"


def identity_provider() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of the secrets, or None when there is none (or no secrets)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file (StreamlitSecretNotFoundError) or one that won't parse
        return None
    return section if isinstance(section, Mapping) and section else None


def _login(section: Mapping[str, Any]) -> None:
    """``st.login`` with the one provider of ``[auth]`` (flat, or the first named one)."""
    if "client_id" in section or "server_metadata_url" in section:
        st.login()
        return
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    st.login(named[0]) if named else st.login()


def signed_in() -> tuple[str, str] | None:
    """(email, method) of whoever signed in, or None: the identity provider's
    ``st.user`` first, then a password sign-in of this session."""
    user = st.user
    if user.get("is_logged_in") is True and user.get("email"):
        return str(user.get("email")), IDENTITY_PROVIDER
    email = st.session_state.get(SIGNED_IN_KEY)
    if isinstance(email, str) and email:
        return email, PASSWORD
    return None


def sign_out(method: str) -> None:
    """End the sign-in: the identity provider's session, or this session's password one."""
    st.session_state.pop(SIGNED_IN_KEY, None)
    if method == IDENTITY_PROVIDER:
        st.logout()


def _read_users(settings: Settings) -> dict[str, users.User]:
    """The users file (every user), or stop with its error: without it nobody is let in."""
    if settings.users_path is None:
        return {}
    try:
        return users.load_users(settings.users_path)
    except users.UsersFileError as exc:
        st.error(f"The users file cannot be read, so nobody can be let in: {exc}")
        st.stop()
        raise  # st.stop() raises; this line is for the type checker


def _password_form(known: Mapping[str, users.User]) -> None:
    """The local sign-in form; a match is kept in this session and the app runs again."""
    with st.form("sign_in"):
        email = st.text_input("Email")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    user = users.sign_in(known, email, password)
    if user is None:
        st.error("That email and password do not match an account here. Try again.")
        return
    st.session_state[SIGNED_IN_KEY] = user.email
    st.rerun()


def sign_in_page(known: Mapping[str, users.User]) -> None:
    """The page of a viewer nobody has signed in yet: the ways in, and nothing else."""
    st.title("Ozone Outcomes")
    section = identity_provider()
    with_password = any(user.has_password for user in known.values())
    if section is None and not with_password:
        st.warning(NO_WAY_IN, icon=":material/lock:")
        return
    st.write("Sign in to see your clinic's outcomes.")
    if section is not None:
        st.button(SIGN_IN_BUTTON, on_click=_login, args=(section,), type="primary")
    if with_password:
        if section is not None:
            st.caption("Or, with an account of this app:")
        _password_form(known)


def refuse(email: str, method: str) -> None:
    """One sentence for a signed-in email the users file does not list, and a way out."""
    st.title("Ozone Outcomes")
    st.warning(
        f"{email} is not on this clinic's list of users. Ask the clinic director to add you.",
        icon=":material/block:",
    )
    if st.button(SIGN_OUT_BUTTON):
        sign_out(method)
        st.rerun()


def _signed_in_sidebar(viewer: Viewer) -> None:
    with st.sidebar:
        st.caption(f"Signed in as {viewer.email} ({viewer.role})")
        if st.button(SIGN_OUT_BUTTON, key="sign_out"):
            sign_out(viewer.method)
            st.rerun()


def _demo(provider_ids: Callable[[], list[str]]) -> Viewer:
    """The synthetic demo's viewer: the director, or the provider chosen to preview."""
    with st.sidebar:
        preview = st.toggle(PREVIEW_TOGGLE, key="demo_preview")
        ids = provider_ids() if preview else []
        chosen = st.selectbox(PREVIEW_PICKER, ids, key="demo_provider") if ids else None
    if chosen is None:
        return Viewer(DIRECTOR, None, None, DEMO)
    return Viewer(PROVIDER, str(chosen), None, DEMO)


def _only(draw: Callable[[], None], title: str) -> NoReturn:
    """Run ``draw`` as the one page of the app (any address leads to it: no page of the
    clinic is in the navigation), then stop the run."""
    st.navigation(
        [st.Page(draw, title=title, url_path="sign-in", default=True)], position="hidden"
    ).run()
    st.stop()
    raise AssertionError("st.stop() ends the run")


def viewer(
    settings: Settings, only_synthetic: bool, provider_ids: Callable[[], list[str]]
) -> Viewer:
    """Who this run serves. Draws the sign-in page or the refusal and stops the run
    (``st.stop``) when there is nobody to show data to; ``only_synthetic``: every load of
    the database came from the generator; ``provider_ids``: the demo's preview choices."""
    if only_synthetic and settings.users_path is None and identity_provider() is None:
        return _demo(provider_ids)
    known = _read_users(settings)
    who = signed_in()
    if who is None:
        _only(lambda: sign_in_page(known), "Sign in")
    email, method = who
    user = known.get(users.normalise_email(email))
    if user is None:
        _only(lambda: refuse(email, method), "Not on the list")
    found = Viewer(user.role, user.provider_id, user.email, method)
    _signed_in_sidebar(found)
    return found
