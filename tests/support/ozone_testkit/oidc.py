"""A local OpenID Connect provider for the browser sign-in tests, and the ``[auth]`` secrets
that point the app at it (docs/engineering.md, "Streamlit 1.67": ``st.login`` is OpenID
Connect; ``oidc-provider-mock==0.3.4`` makes a real login testable offline).

The mock (``python -m oidc_provider_mock``, a Flask app under uvicorn) runs in its own
process on a free 127.0.0.1 port: Chromium resolves nothing but 127.0.0.1 here, and the
mock names its endpoints after the host it was asked on, so the app's
``server_metadata_url`` and the browser both use 127.0.0.1, never localhost. It accepts any
client id and secret and any redirect URI. Its authorization page is a form with one field,
the subject (``sub``), and an "Authorize" button; a subject it has not seen becomes a user
whose only claim is ``email = sub``, so typing an email there signs in as that email
(:func:`authorize`). It checks no password: who may see what is the users file's business.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from ozone_testkit.served import free_port, running

CLIENT_ID = "ozone-outcomes-test"
CLIENT_SECRET = "any secret will do for the mock"
COOKIE_SECRET = "a cookie secret for tests only, 48 characters long"
DISCOVERY = "/.well-known/openid-configuration"
CALLBACK = "/oauth2callback"  # Streamlit's fixed callback path
AUTHORIZE_PATH = "/oauth2/authorize"


@contextlib.contextmanager
def mock_provider(folder: Path) -> Iterator[str]:
    """The mock identity provider, logging to ``folder``; yields its base URL
    (``http://127.0.0.1:PORT``) once its discovery document answers, stops it at the end.
    (The module's ``run_server_in_thread`` binds "localhost" and needs
    ``AUTHLIB_INSECURE_TRANSPORT`` in this process; its command line sets that itself.)"""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    log = folder / f"oidc-provider-{port}.log"
    env = {**os.environ, "NO_COLOR": "1"}
    with running(command, cwd=folder, env=env, log=log, url=url + DISCOVERY, what="mock OIDC"):
        yield url


def auth_secrets(app_url: str, provider_url: str) -> str:
    """The ``[auth]`` section of ``.streamlit/secrets.toml`` for an app served at ``app_url``
    signing in through the provider at ``provider_url`` (one unnamed provider: ``st.login()``)."""
    return (
        "[auth]\n"
        f'redirect_uri = "{app_url}{CALLBACK}"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider_url}{DISCOVERY}"\n'
    )


def write_auth_secrets(folder: Path, app_url: str, provider_url: str) -> Path:
    """Write ``folder/.streamlit/secrets.toml`` with :func:`auth_secrets`; returns its path.
    Serve the app with ``folder`` as its working directory (served.serving) to use it."""
    path = folder / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(auth_secrets(app_url, provider_url), encoding="utf-8")
    return path


def authorize(page, provider_url: str, email: str) -> None:
    """On the mock's authorization page (the browser was sent there by ``st.login``), sign
    in as ``email``: type it as the subject and press "Authorize"; the mock then sends the
    browser back to the app's ``/oauth2callback``."""
    page.wait_for_url(f"{provider_url}{AUTHORIZE_PATH}**")
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize", exact=True).click()
