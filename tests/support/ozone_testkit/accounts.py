"""Who a page test signs in as: the clinic's users file for tests, and the AppTest user.

Every test runs with ``OUTCOMES_USERS`` pointing at its own users file holding the director
(``DIRECTOR``; tests/conftest.py ``users_file``, autouse). ``as_provider`` adds a provider's
account and makes the app's next runs sign in as them; ``as_user`` signs in as anyone (an
unlisted email, or ``None``: nobody signed in). ``screens.start_app`` reads the choice
(``current_user``) and hands it to AppTest as ``at.user``, the way Streamlit's tests sign in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from queries.access import users

DIRECTOR = "director@clinic.example"
UNLISTED = "stranger@elsewhere.example"
PASSWORD = "correct horse battery staple"
USER_VAR = "OZONE_TEST_USER"  # the email the next AppTest run signs in as ("" = signed out)
SIGNED_OUT = {"is_logged_in": False}


def provider_email(provider_id: str) -> str:
    """The test account of provider ``provider_id``."""
    return f"{provider_id.lower()}@clinic.example"


def users_file() -> Path:
    return Path(os.environ[users.USERS_ENV])


def write_users(path: Path, provider_ids: list[str] = (), password: str | None = None) -> Path:
    """A users file with the director and one account per provider (all with ``password``)."""
    users.add_user(path, DIRECTOR, "director", password=password)
    for provider_id in provider_ids:
        users.add_user(
            path,
            provider_email(provider_id),
            "provider",
            provider_id=provider_id,
            password=password,
        )
    return path


def add_provider(provider_id: str) -> str:
    """The provider's account in this test's users file (added if missing); its email."""
    email = provider_email(provider_id)
    if users.lookup(email, users_file()) is None:
        users.add_user(users_file(), email, "provider", provider_id=provider_id)
    return email


def as_user(monkeypatch: pytest.MonkeyPatch, email: str | None) -> None:
    """The app's next runs in this test sign in as ``email`` (None: nobody signed in)."""
    monkeypatch.setenv(USER_VAR, email or "")


def as_provider(monkeypatch: pytest.MonkeyPatch, provider_id: str) -> str:
    """The app's next runs sign in as provider ``provider_id``; returns the email."""
    email = add_provider(provider_id)
    as_user(monkeypatch, email)
    return email


def current_user() -> dict:
    """``AppTest.user`` for the account chosen in this test (the director by default)."""
    email = os.environ.get(USER_VAR, DIRECTOR)
    return {"is_logged_in": True, "email": email} if email else dict(SIGNED_OUT)
